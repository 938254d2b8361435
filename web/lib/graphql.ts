// The web speaks only GraphQL to the api.
import { apiUrl } from './config';

export class ApiUnavailableError extends Error {}

/** POST a query; throws with the api's own message when it answers with errors. */
export async function graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiUnavailableError(`the atlas api at ${apiUrl()} does not answer (${(err as Error).message})`);
  }
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  if (!body.data) throw new Error(`the api answered ${res.status} without data`);
  return body.data;
}
