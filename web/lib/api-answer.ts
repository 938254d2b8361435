// What the api answered, read the same way on the server (graphql.ts) and in the browser (client-request.ts): the
// data, or an ApiAnswerError keeping the api's message and its extensions.code, so callers branch on the code.

/** An error the api answered with; `code` is its extensions.code (NOT_FOUND, UNAUTHENTICATED, BAD_USER_INPUT, ...). */
export class ApiAnswerError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
    /** Every error's code, in the answer's order (fields fail apart: the first is whichever failed first). */
    readonly codes: readonly string[] = code === undefined ? [] : [code],
  ) {
    super(message);
    this.name = 'ApiAnswerError';
  }
}

/** A GraphQL response body as the api sends it. */
export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: unknown } }[];
}

/** The answer's data; throws ApiAnswerError with every error's message and code, the first error's as `code`. */
export function answerData<T>(body: GraphQLAnswer<T>, status: number): T {
  if (body.errors?.length) {
    const codes = body.errors.map((e) => e.extensions?.code);
    throw new ApiAnswerError(
      typeof codes[0] === 'string' ? codes[0] : undefined,
      body.errors.map((e) => e.message).join('; '),
      codes.filter((c) => typeof c === 'string'),
    );
  }
  if (!body.data) throw new ApiAnswerError(undefined, `the api answered ${status} without data`);
  return body.data;
}
