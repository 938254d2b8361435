// The REST facade under /api/: the route table, and what every route shares with GraphQL: the same API keys (sent as
// Neuronpedia's `X-Api-Key` or as `Authorization: Bearer`), a closed atlas refusing requests without a valid one, the
// body size limit, the request time limit (its signal aborts the work), and one context (loaders, analyzer, steering
// pool) per request. Errors answer `{ "message": ... }` with their status; anything unexpected a fixed 500, logged.
import type { IncomingMessage } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { checkApiKey, type KeyCheck } from '../auth/apiKeys.js';
import type { ContextFactory } from '../context.js';
import { PublicError, type PublicErrorCode } from '../errors.js';
import { BodyTooLarge, readBody } from '../http/readBody.js';
import type { PathHandler } from '../http/requestHandler.js';
import { sendJson } from '../http/sendJson.js';
import { TIMED_OUT, withTimeout } from '../http/withTimeout.js';
import { activationRoute } from './activationRoute.js';
import {
  explanationSearchAllRoute,
  explanationSearchModelRoute,
  explanationSearchRoute,
} from './explanationSearchRoutes.js';
import { featureRoute } from './featureRoute.js';
import { LIST_ROUTES } from './listRoutes.js';
import { OPENAPI_DOCUMENT } from './openApiDocument.js';
import { requireObject, valueProblem, type Fields } from './requestFields.js';
import { RestError } from './restError.js';
import type { RestRoute } from './restRoute.js';
import { searchAllRoute } from './searchAllRoute.js';
import { searchTopkByTokenRoute } from './searchTopkByTokenRoute.js';
import { steerRoute } from './steerRoute.js';

export const REST_ROUTES: readonly RestRoute[] = [
  featureRoute,
  searchAllRoute,
  searchTopkByTokenRoute,
  explanationSearchRoute,
  explanationSearchModelRoute,
  explanationSearchAllRoute,
  activationRoute,
  steerRoute,
  ...LIST_ROUTES,
];

export const OPENAPI_PATH = '/api/openapi.json';

export interface RestHandlerOptions {
  dataSource: DataSource;
  log: Logger;
  contextFor: ContextFactory;
  maxBodyBytes: number;
  /** Reads without an API key (default true), as for GraphQL. */
  publicReads?: boolean;
  /** Longest a request may run before it is answered 503; 0 or absent: no limit. */
  requestTimeoutMs?: number;
}

/** Handles every path under /api/. */
export type RestHandler = PathHandler;

const STATUS_OF: Record<PublicErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  REQUEST_TIMEOUT: 503,
  BUSY: 503,
};

const KEY_HOW =
  'send `X-Api-Key: <key>` or `Authorization: Bearer <key>`; an operator creates one with `npm run api:key -- create --name <you>`.';

/** The Authorization header, or Neuronpedia's X-Api-Key as a bearer token. */
function authorizationOf(req: IncomingMessage): string | undefined {
  const key = req.headers['x-api-key'];
  if (req.headers.authorization !== undefined) return req.headers.authorization;
  return typeof key === 'string' && key.length ? `Bearer ${key}` : undefined;
}

function refusalOf(check: KeyCheck): RestError | undefined {
  if (check.status === 'ok') return undefined;
  if (check.status === 'revoked') return new RestError(403, 'this API key has been revoked; ask for a new one.');
  if (check.status === 'invalid') return new RestError(401, `the API key is not valid; ${KEY_HOW}`);
  return new RestError(401, `this atlas requires an API key for every request; ${KEY_HOW}`);
}

async function bodyOf(req: IncomingMessage, maxBytes: number): Promise<Fields> {
  let text: string;
  try {
    text = await readBody(req, maxBytes);
  } catch (err) {
    if (err instanceof BodyTooLarge) throw new RestError(413, `${err.message}; send smaller requests.`);
    throw err;
  }
  let parsed: unknown = {}; // no body at all (Neuronpedia's client posts none to /api/list/list): no fields
  try {
    if (text.trim() !== '') parsed = JSON.parse(text);
  } catch {
    throw new RestError(
      400,
      'the request body is not valid JSON; send a JSON object with `Content-Type: application/json`.',
    );
  }
  const body = requireObject(parsed, 'the request body');
  // The same checks as GraphQL's arguments (argumentValues.ts), before any handler sees the values.
  const problem = valueProblem(body, '');
  if (problem) throw new RestError(400, problem);
  return body;
}

export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const { dataSource, log, contextFor } = options;
  const timeoutMs = options.requestTimeoutMs ?? 0;

  async function answer(req: IncomingMessage, url: URL, signal: AbortSignal): Promise<unknown> {
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname === OPENAPI_PATH && method === 'GET') return OPENAPI_DOCUMENT;
    let params: string[] | undefined;
    const route = REST_ROUTES.find((r) => {
      const m = r.pattern.exec(url.pathname);
      if (m) params = m.slice(1);
      return m !== null;
    });
    if (!route || !params)
      throw new RestError(
        404,
        `no REST endpoint ${url.pathname}; the endpoints are ${REST_ROUTES.map((r) => `${r.method} ${r.path}`).join(', ')} (see ${OPENAPI_PATH}).`,
      );
    if (route.method !== method)
      throw new RestError(405, `${url.pathname} answers ${route.method}, not ${method}.`, { allow: route.method });
    let decoded: string[];
    try {
      decoded = params.map((p) => decodeURIComponent(p));
    } catch {
      throw new RestError(
        400,
        `the path ${url.pathname} is not valid percent-encoding; encode names with encodeURIComponent.`,
      );
    }
    decoded.forEach((part, i) => {
      const problem = valueProblem(
        part,
        `path part ${i + 1} (${route.path.split('/').filter((p) => p.startsWith('{'))[i]})`,
      );
      if (problem) throw new RestError(400, problem);
    });
    let check: Promise<KeyCheck> | undefined;
    const apiKey = () => (check ??= checkApiKey(dataSource, authorizationOf(req)));
    if (options.publicReads === false) {
      const refused = refusalOf(await apiKey());
      if (refused) throw refused;
    }
    const body = route.method === 'POST' ? await bodyOf(req, options.maxBodyBytes) : {};
    return route.handle({ ctx: contextFor(apiKey, signal), params: decoded, body });
  }

  return async (req, res, url) => {
    const abort = new AbortController();
    const work = answer(req, url, abort.signal);
    try {
      const result = timeoutMs > 0 ? await withTimeout(work, timeoutMs) : await work;
      if (result === TIMED_OUT) {
        abort.abort(new PublicError('REQUEST_TIMEOUT', `the request ran past the api's ${timeoutMs} ms limit`, 503));
        work.catch((err: unknown) => log.error({ err }, 'abandoned REST request failed'));
        sendJson(res, 503, {
          message: `the request ran past the api's ${timeoutMs} ms limit (ATLAS_API_REQUEST_TIMEOUT_MS) and was abandoned; ask for less (shorter text, fewer n_tokens), or retry later.`,
        });
        return;
      }
      sendJson(res, 200, result);
    } catch (err) {
      if (err instanceof RestError) {
        for (const [key, value] of Object.entries(err.headers)) res.setHeader(key, value);
        sendJson(res, err.status, { message: err.message });
      } else if (err instanceof PublicError) {
        sendJson(res, STATUS_OF[err.extensions.code as PublicErrorCode] ?? 400, { message: err.message });
      } else {
        log.error({ err, path: url.pathname }, 'unexpected error in a REST request');
        sendJson(res, 500, {
          message: 'Internal server error; it has been logged. Try again, and report it if it persists.',
        });
      }
    }
  };
}
