// GraphQL from the browser: typed documents POSTed to the web server's /api/graphql, which forwards them (and the
// API key) to the api. Errors keep the api's message and code so a page can say what to do.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { ApiAnswerError, answerData, type GraphQLAnswer } from './api-answer';

/** Run a typed operation from the browser, with `Authorization: Bearer <apiKey>` when a key is given. */
export async function clientRequest<T, V>(
  document: TypedDocumentNode<T, V>,
  variables: V,
  apiKey?: string,
): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const res = await fetch('/api/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: print(document), variables }),
  });
  return answerData((await res.json().catch(() => ({}))) as GraphQLAnswer<T>, res.status);
}

/** What a person should read when a request failed: a refused key says which field to fix. */
export function describeFailure(err: unknown): string {
  if (err instanceof ApiAnswerError && (err.code === 'UNAUTHENTICATED' || err.code === 'FORBIDDEN'))
    return `API key refused: ${err.message} Paste a valid key in the "API key" field.`;
  return err instanceof Error ? err.message : String(err);
}
