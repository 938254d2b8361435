// The api's HTTP server: GraphQL at /graphql (POST, or GET for queries) and a plain /healthz for orchestrators.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { argumentValuesPlugin, checkArgumentValues } from './argumentValues.js';
import type { Context } from './context.js';
import { checkApiKey, type KeyCheck } from './auth/apiKeys.js';
import { createCorsPolicy } from './corsPolicy.js';
import { createFormatError, PublicError } from './errors.js';
import { createLoaders } from './loaders/index.js';
import { operationLimits } from './operationLimits.js';
import { buildApiSchema } from './schema/buildApiSchema.js';
import { TextAnalyzer } from './services/textAnalysisService.js';

export interface ApiServer {
  /** Base URL, e.g. http://127.0.0.1:4000 */
  url: string;
  graphqlUrl: string;
  httpServer: Server;
  stop(): Promise<void>;
}

export interface ApiServerOptions {
  dataSource: DataSource;
  log: Logger;
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Reads without an API key (default true); mutations always need one. */
  publicReads?: boolean;
  /** Longest a request may run before it is answered REQUEST_TIMEOUT (HTTP 503); 0 or absent: no limit. */
  requestTimeoutMs?: number;
  /** Models and dictionaries analyzeText keeps loaded. */
  analysisCache?: { maxModels: number; maxDictionaries: number };
  /** How often job subscriptions read their job (default JOB_WATCH_MS). */
  jobWatchMs?: number;
  /** Origins whose pages may call the api (ATLAS_API_CORS_ORIGINS; `*` for any); absent: the api's own only. */
  corsOrigins?: readonly string[];
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit, keep draining (so the client gets our 413 rather than a reset) but store nothing.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () =>
      size > limit
        ? reject(new BodyTooLarge(`request body over ${limit} bytes`))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function badRequest(res: ServerResponse, message: string): void {
  sendJson(res, 400, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
}

const TIMED_OUT = Symbol('timed out');

/** Most tokens a GraphQL document may have, over HTTP and WebSocket alike. */
const MAX_QUERY_TOKENS = 3000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Over HTTP, graphql-js would run a subscription's field once, with no event, and fail as an internal error. */
const subscriptionsOverWebSocketOnly: ApolloServerPlugin<Context> = {
  requestDidStart: async () => ({
    didResolveOperation: async ({ operation }) => {
      if (operation?.operation === 'subscription')
        throw new PublicError(
          'BAD_USER_INPUT',
          'subscriptions are served over WebSocket only; connect a graphql-ws client to this /graphql address (ws://).',
          400,
        );
    },
  }),
};

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { dataSource, log } = options;
  const httpServer = createServer();
  const textAnalyzer = new TextAnalyzer(options.analysisCache);
  const cors = createCorsPolicy(options.corsOrigins ?? []);
  const armor = operationLimits();
  /** What resolvers receive, over HTTP and WebSocket alike: fresh loaders per request or subscription. */
  const contextFor = (apiKey: Context['apiKey'], signal: AbortSignal): Context => ({
    dataSource,
    loaders: createLoaders(dataSource),
    apiKey,
    textAnalyzer,
    signal,
    jobWatchMs: options.jobWatchMs,
  });
  const schema = await buildApiSchema();
  const formatError = createFormatError(log);
  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: MAX_QUERY_TOKENS },
    validationRules: armor.validationRules,
    // Armor's plugins are typed for the base context; they read nothing of ours. Apollo's default cache-control
    // plugin wraps every field resolution (~6% of a feature page's CPU) for hints this schema does not give.
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<Context>[]),
      argumentValuesPlugin<Context>(),
      subscriptionsOverWebSocketOnly,
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed outside GraphQL');
      if (!res.headersSent)
        sendJson(res, 500, {
          errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        });
      else res.end();
    });
  });

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
      try {
        await dataSource.query('SELECT 1');
        sendJson(res, 200, { status: 'ok' });
      } catch {
        sendJson(res, 503, { status: 'database unavailable' });
      }
      return;
    }
    if (url.pathname !== '/graphql') {
      sendJson(res, 404, {
        errors: [
          { message: `no route ${url.pathname}; the GraphQL endpoint is /graphql`, extensions: { code: 'NOT_FOUND' } },
        ],
      });
      return;
    }
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
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const timeoutMs = options.requestTimeoutMs ?? 0;
    const abort = new AbortController();
    const execution = apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
      context: async () => {
        let check: Promise<KeyCheck> | undefined;
        const apiKey = () => (check ??= checkApiKey(dataSource, req.headers.authorization));
        if (options.publicReads === false && (await apiKey()).status !== 'ok')
          throw new PublicError(
            'UNAUTHENTICATED',
            'this atlas requires an API key for every request; send `Authorization: Bearer <key>`.',
            401,
          );
        return contextFor(apiKey, abort.signal);
      },
    });
    const response = timeoutMs > 0 ? await withTimeout(execution, timeoutMs) : await execution;
    if (response === TIMED_OUT) {
      // The resolvers may still be waiting on the database; the signal tells those that look to stop, and
      // whatever they finish with is dropped (the client already has its answer).
      // Built here, not per request: an error captures a stack trace (~0.1 ms of every request otherwise).
      const timedOut = new PublicError(
        'REQUEST_TIMEOUT',
        `the request ran past the api's ${timeoutMs} ms limit (ATLAS_API_REQUEST_TIMEOUT_MS) and was abandoned; ask for less (smaller first, k or text), or retry later.`,
        503,
      );
      abort.abort(timedOut);
      execution.catch((err: unknown) => log.error({ err }, 'abandoned request failed'));
      sendJson(res, 503, { errors: [{ message: timedOut.message, extensions: { code: 'REQUEST_TIMEOUT' } }] });
      return;
    }
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw Object.assign(
        new Error(
          `port ${options.host}:${options.port} for the api is already in use; set ATLAS_API_PORT to a free port (0 picks one), or stop the program using it.`,
        ),
        { code: 'PORT_IN_USE' },
      );
    throw err;
  });
  // Attached only once the port is ours: a WebSocket server on a server that fails to listen re-emits the
  // EADDRINUSE, and graphql-ws prints it as a stack before our one PORT_IN_USE line.
  // Subscriptions (job progress) over graphql-ws at the same address. Only subscriptions: queries and mutations
  // take HTTP, where the body, time and auth limits live. The same validation rules (depth, cost) apply.
  // Browsers apply no CORS to WebSockets, so the origin is checked here: a foreign page must not follow jobs.
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: 64 * 1024,
    verifyClient: ({ req }: { req: IncomingMessage }) => cors.judge(req.headers).kind !== 'refused',
  });
  const wsCleanup = useServer<{ authorization?: string } | undefined>(
    {
      schema,
      onConnect: async (ctx) => {
        if (options.publicReads !== false) return true;
        const check = await checkApiKey(dataSource, ctx.connectionParams?.authorization);
        return check.status === 'ok'; // false closes the socket with 4403 Forbidden
      },
      onSubscribe: (_ctx, _id, payload) => {
        let document;
        try {
          document = parse(payload.query, { maxTokens: MAX_QUERY_TOKENS });
        } catch (err) {
          return [err as GraphQLError];
        }
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription')
          return [
            new PublicError(
              'BAD_USER_INPUT',
              'only subscriptions are served over WebSocket; send queries and mutations as HTTP POST to /graphql.',
            ),
          ];
        const errors = validate(schema, document, [...specifiedRules, ...armor.validationRules]);
        if (errors.length) return errors;
        const badArguments = checkArgumentValues(schema, document, operation, payload.variables ?? undefined);
        if (badArguments.length) return badArguments;
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          // Keys were checked at connect; subscriptions need none of their own.
          contextValue: contextFor(() => checkApiKey(dataSource, undefined), new AbortController().signal),
        };
      },
      // The same error contract as HTTP: public errors as written, anything else a fixed, logged message.
      onNext: (_ctx, _id, _payload, _args, result) =>
        'errors' in result && result.errors?.length
          ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) }
          : result,
    },
    wsServer,
  );
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host}:${port}`;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    httpServer,
    async stop() {
      await wsCleanup.dispose();
      wsServer.close();
      await apollo.stop();
      await textAnalyzer.dispose();
    },
  };
}
