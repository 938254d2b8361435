// POST (or GET, for queries) /graphql: read and parse the body, require an API key when reads are closed, answer
// from the response cache when it holds a current answer (responseCache/), else run the operation on Apollo, all
// within the request time limit, and write the answer (stored, with its ETag, when it may be).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { checkApiKey, type KeyCheck } from '../auth/apiKeys.js';
import type { Context, ContextFactory } from '../context.js';
import { PublicError } from '../errors.js';
import { ReadScopes } from '../responseCache/readScopes.js';
import { matchesEtag, type CachePlan, type ReadPathCache } from '../responseCache/readPathCache.js';
import type { CachedAnswer } from '../responseCache/responseCache.js';
import type { VersionSnapshot } from '../responseCache/readVersionWatch.js';
import { BodyTooLarge, readBody } from './readBody.js';
import { badRequest, sendJson } from './sendJson.js';
import { TIMED_OUT, withTimeout } from './withTimeout.js';

export interface GraphqlHandlerOptions {
  /** Started. */
  apollo: ApolloServer<Context>;
  dataSource: DataSource;
  log: Logger;
  contextFor: ContextFactory;
  maxBodyBytes: number;
  /** Reads without an API key (default true); mutations always need one. */
  publicReads?: boolean;
  /** Longest a request may run before it is answered REQUEST_TIMEOUT (HTTP 503); 0 or absent: no limit. */
  requestTimeoutMs?: number;
  /** Answers read operations from memory while the database's read versions say they are current. */
  cache?: ReadPathCache;
}

/** An answer with errors is never stored: the top-level key appears unescaped only as a key. */
const hasErrors = (body: string) => body.includes('"errors":[');

function sendAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  cache: ReadPathCache,
  plan: CachePlan,
  answer: CachedAnswer,
  how: 'hit' | 'stored' | 'miss',
): void {
  for (const [key, value] of Object.entries(cache.headers(plan, answer))) res.setHeader(key, value);
  // The answer differs by key and by the media type asked for; CORS may already vary it by Origin.
  const vary = res.getHeader('vary');
  res.setHeader('vary', vary ? `${String(vary)}, Authorization, Accept` : 'Authorization, Accept');
  if (cache.options.maxBytes > 0 || how === 'stored' || cache.stored.writes) res.setHeader('x-atlas-cache', how);
  if (matchesEtag(req.headers['if-none-match'], answer.etag)) {
    res.writeHead(304).end();
    return;
  }
  res.setHeader('content-type', answer.contentType);
  res.writeHead(200).end(answer.body);
}

export type GraphqlHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export function createGraphqlHandler(options: GraphqlHandlerOptions): GraphqlHandler {
  const { apollo, dataSource, log, contextFor } = options;
  return async (req, res, url) => {
    let body: unknown;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, options.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          sendJson(res, 413, {
            errors: [{ message: `${err.message}; send smaller requests`, extensions: { code: 'BAD_REQUEST' } }],
          });
          return;
        }
        throw err;
      }
      try {
        body = text.length ? JSON.parse(text) : undefined;
      } catch {
        badRequest(res, 'request body is not valid JSON; send {"query": "...", "variables": {...}}');
        return;
      }
    }
    const method = (req.method ?? 'GET').toUpperCase();
    let check: Promise<KeyCheck> | undefined;
    const apiKey = () => (check ??= checkApiKey(dataSource, req.headers.authorization));
    const reads = new ReadScopes();
    const cache = options.cache;
    /** The plan and the versions it is checked against; no plan when the cache may not answer this request. */
    async function consultCache(
      cache: ReadPathCache,
    ): Promise<{ plan: CachePlan | undefined; before: VersionSnapshot | undefined }> {
      // A closed atlas answers only valid keys (the cache is looked at after the check); a valid key on an open one
      // gets answers of its own, so no keyed answer ever reaches a caller without one.
      const keyed = options.publicReads === false || req.headers.authorization !== undefined;
      const ok = keyed && (await apiKey()).status === 'ok';
      if (!ok && options.publicReads === false) return { plan: undefined, before: undefined };
      const plan = cache.plan(method, body, url, req.headers.accept ?? '', ok ? 'keyed' : 'public');
      if (!plan) return { plan, before: undefined };
      try {
        return { plan, before: await cache.watch.current() };
      } catch (err) {
        // The database did not answer the version read: run the operation uncached, which reports it properly.
        log.warn({ err }, 'read versions unavailable; answering uncached');
        return { plan: undefined, before: undefined };
      }
    }
    const timeoutMs = options.requestTimeoutMs ?? 0;
    const started = performance.now();
    /** The time limit covers the key check and the version read too: on the embedded database both can wait. */
    const timed = <T>(work: Promise<T>) =>
      timeoutMs > 0 ? withTimeout(work, Math.max(1, timeoutMs - (performance.now() - started))) : work;
    const timedOutAnswer = () =>
      sendJson(res, 503, {
        errors: [
          {
            message: `the request ran past the api's ${timeoutMs} ms limit (ATLAS_API_REQUEST_TIMEOUT_MS) and was abandoned; ask for less (smaller first, k or text), or retry later.`,
            extensions: { code: 'REQUEST_TIMEOUT' },
          },
        ],
      });
    let plan: CachePlan | undefined;
    let before: VersionSnapshot | undefined;
    if (cache) {
      const consulted = await timed(consultCache(cache));
      if (consulted === TIMED_OUT) {
        timedOutAnswer();
        return;
      }
      ({ plan, before } = consulted);
      if (plan && before) {
        const hit = cache.lookup(plan, before);
        if (hit) {
          sendAnswer(req, res, cache, plan, hit, 'hit');
          return;
        }
        // Not in memory: rendered ahead of time, in the database? (One primary-key read; errors go to Apollo's path.)
        const stored = await timed(
          cache.lookupStored(plan, before).catch((err: unknown) => {
            log.warn({ err }, 'stored answers unavailable; answering from the operation');
            return undefined;
          }),
        );
        if (stored === TIMED_OUT) {
          timedOutAnswer();
          return;
        }
        if (stored) {
          sendAnswer(req, res, cache, plan, stored, 'stored');
          return;
        }
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const abort = new AbortController();
    const execution = apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: url.search, body },
      context: async () => {
        if (options.publicReads === false && (await apiKey()).status !== 'ok')
          throw new PublicError(
            'UNAUTHENTICATED',
            'this atlas requires an API key for every request; send `Authorization: Bearer <key>`.',
            401,
          );
        return contextFor(apiKey, abort.signal, reads, before);
      },
    });
    const response = await timed(execution);
    if (response === TIMED_OUT) {
      // The resolvers may still be waiting on the database; the signal tells those that look to stop, and
      // whatever they finish with is dropped (the client already has its answer).
      abort.abort(
        new PublicError(
          'REQUEST_TIMEOUT',
          `the request ran past the api's ${timeoutMs} ms limit (ATLAS_API_REQUEST_TIMEOUT_MS)`,
          503,
        ),
      );
      execution.catch((err: unknown) => log.error({ err }, 'abandoned request failed'));
      timedOutAnswer();
      return;
    }
    const status = response.status ?? 200;
    if (
      cache &&
      plan &&
      before &&
      status === 200 &&
      response.body.kind === 'complete' &&
      !hasErrors(response.body.string)
    ) {
      const contentType = response.headers.get('content-type') ?? 'application/json; charset=utf-8';
      const answer = cache.store(
        plan,
        Buffer.from(response.body.string),
        contentType,
        cache.stamp(plan, reads, before),
      );
      sendAnswer(req, res, cache, plan, answer, 'miss');
      return;
    }
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = status;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
