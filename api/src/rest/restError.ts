// An error of the REST facade written for the client: its HTTP status and a message naming what was wrong and the fix.
// It is answered as Neuronpedia answers errors, `{ "message": "..." }`.

export class RestError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 503,
    message: string,
    /** Headers the answer carries (405's Allow). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'RestError';
  }
}

/** 400 naming the field (a path such as `features[0].index`) and what to send instead. */
export const badField = (field: string, message: string) => new RestError(400, `${field}: ${message}`);
