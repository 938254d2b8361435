// The api's server, composed: GraphQL at /graphql over HTTP (POST, or GET for queries; http/) and its
// subscriptions over WebSocket at the same address (subscriptions/), the Neuronpedia-compatible REST facade under
// /api/ (rest/), a plain /healthz for orchestrators, and the
// state both share: one schema, one error formatter, one text analyzer, fresh loaders per request.
import { createServer, type Server } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { ContextFactory } from './context.js';
import { createCorsPolicy } from './corsPolicy.js';
import { createFormatError } from './errors.js';
import { createApolloServer } from './http/apolloServer.js';
import { createGraphqlHandler } from './http/graphqlHandler.js';
import { listen } from './http/listen.js';
import { createRequestHandler } from './http/requestHandler.js';
import { createRestHandler } from './rest/restRouter.js';
import { createLoaders } from './loaders/index.js';
import { operationLimits } from './operationLimits.js';
import { buildApiSchema } from './buildApiSchema.js';
import { Steerer } from './services/steering/steeringService.js';
import { TextAnalyzer } from './services/textAnalysisService.js';
import { serveSubscriptions } from './subscriptions/subscriptionServer.js';
import { ReadPathCache } from './responseCache/readPathCache.js';
import { ReadScopes } from './responseCache/readScopes.js';
import { ImmutablePartsCache } from './responseCache/immutablePartsCache.js';
import type { StoredAnswersUse } from './responseCache/storedAnswers.js';

/** 256 MiB: ~8,000 feature pages of ~30 kB, about 90% of the requests of a Zipf(1.1) popularity over 100,000. */
export const DEFAULT_RESPONSE_CACHE_BYTES = 256 * 2 ** 20;
/** 64 MiB of loaded rows (a feature's row and examples: ~20-60 kB of objects; a dictionary's row). */
export const DEFAULT_FEATURE_PARTS_BYTES = 64 * 2 ** 20;

export interface ApiServer {
  /** Base URL, e.g. http://127.0.0.1:4000 */
  url: string;
  graphqlUrl: string;
  httpServer: Server;
  /** The read path cache (stats, versions). */
  cache: ReadPathCache;
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
  /** Steering requests running or waiting at once; one more is answered BUSY (default 2). */
  steerSlots?: number;
  /** How often job subscriptions read their job (default JOB_WATCH_MS). */
  jobWatchMs?: number;
  /** Bytes of GraphQL answers kept in memory (0: none); default DEFAULT_RESPONSE_CACHE_BYTES. */
  responseCacheBytes?: number;
  /** Bytes of features' immutable parts kept across requests (0: none); default DEFAULT_FEATURE_PARTS_BYTES. */
  featurePartsBytes?: number;
  /** Cache-Control max-age (seconds) of public answers, for a CDN in front; default 0 (revalidate every time). */
  cacheMaxAgeSeconds?: number;
  /**
   * Answers rendered ahead of time in the database: 'read' them (default), also 'store' every answer rendered (the
   * prerender's own api), or leave them 'off' (a bench's baseline).
   */
  storedAnswers?: StoredAnswersUse;
  /** Origins whose pages may call the api (ATLAS_API_CORS_ORIGINS; `*` for any); absent: the api's own only. */
  corsOrigins?: readonly string[];
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { dataSource, log } = options;
  const httpServer = createServer();
  const textAnalyzer = new TextAnalyzer(options.analysisCache);
  const steerer = new Steerer(textAnalyzer, { slots: options.steerSlots, streamTimeoutMs: options.requestTimeoutMs });
  const cors = createCorsPolicy(options.corsOrigins ?? []);
  const armor = operationLimits();
  /** What resolvers receive, over HTTP and WebSocket alike: fresh loaders per request or subscription. */
  const parts = new ImmutablePartsCache(options.featurePartsBytes ?? DEFAULT_FEATURE_PARTS_BYTES);
  const contextFor: ContextFactory = (apiKey, signal, reads = new ReadScopes(), versions) => ({
    dataSource,
    loaders: createLoaders(dataSource, reads, versions && parts.maxBytes > 0 ? { cache: parts, versions } : undefined),
    reads,
    apiKey,
    textAnalyzer,
    steerer,
    signal,
    jobWatchMs: options.jobWatchMs,
  });
  const schema = await buildApiSchema();
  const formatError = createFormatError(log);
  const apollo = createApolloServer({ schema, formatError, armor, httpServer });
  await apollo.start();
  const cache = new ReadPathCache(dataSource, schema, {
    maxBytes: options.responseCacheBytes ?? DEFAULT_RESPONSE_CACHE_BYTES,
    maxAgeSeconds: options.cacheMaxAgeSeconds ?? 0,
    storedAnswers: options.storedAnswers ?? 'read',
  });
  const graphql = createGraphqlHandler({
    apollo,
    dataSource,
    log,
    contextFor,
    maxBodyBytes: options.maxBodyBytes,
    publicReads: options.publicReads,
    requestTimeoutMs: options.requestTimeoutMs,
    cache,
  });
  const rest = createRestHandler({
    dataSource,
    log,
    contextFor,
    maxBodyBytes: options.maxBodyBytes,
    publicReads: options.publicReads,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  httpServer.on('request', createRequestHandler({ cors, dataSource, log, graphql, cache, rest }));
  await listen(httpServer, options.host, options.port);
  // Attached only once the port is ours (see SubscriptionServerOptions.httpServer).
  const subscriptions = serveSubscriptions({
    httpServer,
    schema,
    dataSource,
    cors,
    armor,
    formatError,
    contextFor,
    publicReads: options.publicReads,
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host}:${port}`;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    httpServer,
    cache,
    async stop() {
      await subscriptions.close();
      await apollo.stop();
      await cache.watch.close();
      await steerer.drain();
      await textAnalyzer.dispose();
    },
  };
}
