// Every HTTP request's route: the origin check (CORS) and preflight first, then /healthz for orchestrators,
// /graphql, /cache (the response cache's counters), /api/ (the Neuronpedia-compatible REST facade, rest/), and
// NOT_FOUND for anything else. A failure outside GraphQL answers a fixed 500 and is logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { CorsPolicy } from '../corsPolicy.js';
import { databaseReachable } from '../services/healthService.js';
import type { ReadPathCache } from '../responseCache/readPathCache.js';
import type { GraphqlHandler } from './graphqlHandler.js';
import { sendJson } from './sendJson.js';

export interface RequestHandlerOptions {
  cors: CorsPolicy;
  dataSource: DataSource;
  log: Logger;
  graphql: GraphqlHandler;
  /** Its counters are served at /cache (hits, misses, bytes held: what the bench and an operator watch). */
  cache?: ReadPathCache;
  /** The REST facade (rest/restRouter.ts), answering every path under /api/. */
  rest?: PathHandler;
}

/** A handler of the paths routed to it (GraphQL's, the REST facade's). */
export type PathHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** The listener for the HTTP server's 'request' event. */
export function createRequestHandler({ cors, dataSource, log, graphql, cache, rest }: RequestHandlerOptions) {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const verdict = cors.judge(req.headers);
    if (verdict.kind === 'refused') {
      sendJson(res, 403, {
        errors: [
          {
            message: `pages of origin ${verdict.origin} may not call this api; to allow them, add ${verdict.origin} to ATLAS_API_CORS_ORIGINS (comma-separated origins)`,
            extensions: { code: 'FORBIDDEN' },
          },
        ],
      });
      return;
    }
    if (verdict.kind === 'allowed')
      for (const [key, value] of Object.entries(verdict.headers)) res.setHeader(key, value);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/healthz') {
      if (await databaseReachable(dataSource)) sendJson(res, 200, { status: 'ok' });
      else sendJson(res, 503, { status: 'database unavailable' });
      return;
    }
    if (url.pathname === '/cache' && cache) {
      sendJson(res, 200, { ...cache.answers.stats(), versionReads: cache.watch.reads, stored: cache.stored.stats() });
      return;
    }
    if (rest && url.pathname.startsWith('/api/')) {
      await rest(req, res, url);
      return;
    }
    if (url.pathname !== '/graphql') {
      sendJson(res, 404, {
        errors: [
          {
            message: `no route ${url.pathname}; the GraphQL endpoint is /graphql${rest ? ', the REST facade is under /api/ (its document: /api/openapi.json)' : ''}`,
            extensions: { code: 'NOT_FOUND' },
          },
        ],
      });
      return;
    }
    await graphql(req, res, url);
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed outside GraphQL');
      if (!res.headersSent)
        sendJson(res, 500, {
          errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        });
      else res.end();
    });
  };
}
