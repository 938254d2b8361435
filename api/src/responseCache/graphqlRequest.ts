// The operation an HTTP request carries, read the way Apollo reads it: a POST's JSON body, or a GET's `query`,
// `variables`, `operationName` and `extensions` parameters; with automatic persisted queries, the text a hash
// stands for once some request sent both.
import { createHash } from 'node:crypto';
import { LruCache } from '../services/lruCache.js';

export interface GraphqlRequest {
  /** The text; absent when only a persisted query's hash came and it is not known here. */
  query: string | undefined;
  variables: unknown;
  operationName: string | undefined;
}

function parseJsonParam(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return Symbol.for('invalid'); // Apollo answers it; the cache stays out of the way
  }
}

function persistedHash(extensions: unknown): string | undefined {
  const pq = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return typeof pq?.sha256Hash === 'string' ? pq.sha256Hash : undefined;
}

/** Hash → text of the persisted queries this process has seen with their text (and checked). */
export class PersistedQueryTexts {
  private readonly texts = new LruCache<string, string>(10_000);

  /** Remember the pair when the hash is the text's SHA-256 (a client may not teach us a wrong one). */
  learn(hash: string, query: string): void {
    if (this.texts.get(hash) !== undefined) return;
    if (createHash('sha256').update(query).digest('hex') === hash) this.texts.getOrCreate(hash, () => query);
  }

  textOf(hash: string): string | undefined {
    return this.texts.get(hash);
  }
}

/** The operation, or undefined when the request is not one the cache can key (Apollo answers it as it would). */
export function readGraphqlRequest(
  method: string,
  body: unknown,
  search: URLSearchParams,
  persisted: PersistedQueryTexts,
): GraphqlRequest | undefined {
  let query: unknown;
  let variables: unknown;
  let operationName: unknown;
  let extensions: unknown;
  if (method === 'GET') {
    query = search.get('query') ?? undefined;
    variables = parseJsonParam(search.get('variables'));
    operationName = search.get('operationName') ?? undefined;
    extensions = parseJsonParam(search.get('extensions'));
  } else if (method === 'POST' && body && typeof body === 'object' && !Array.isArray(body)) {
    ({ query, variables, operationName, extensions } = body as Record<string, unknown>);
  } else return undefined;
  if (typeof variables === 'symbol' || typeof extensions === 'symbol') return undefined;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
    return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  if (query !== undefined && typeof query !== 'string') return undefined;
  const hash = persistedHash(extensions);
  if (hash && typeof query === 'string') persisted.learn(hash, query);
  return {
    query: (query as string | undefined) ?? (hash ? persisted.textOf(hash) : undefined),
    variables: variables ?? {},
    operationName: (operationName as string | null | undefined) ?? undefined,
  };
}
