// What every resolver receives, over HTTP and WebSocket alike, and the factory type that builds it per request.
import type { DataSource } from 'typeorm';
import type { KeyCheck } from './auth/apiKeys.js';
import type { Loaders } from './loaders/index.js';
import type { ReadScopes } from './responseCache/readScopes.js';
import type { VersionSnapshot } from './responseCache/readVersionWatch.js';
import type { Steerer } from './services/steering/steeringService.js';
import type { TextAnalyzer } from './services/textAnalysisService.js';

/** What every resolver receives; built once per request. */
export interface Context {
  dataSource: DataSource;
  loaders: Loaders;
  /** The request's API key, checked on first use. */
  apiKey: () => Promise<KeyCheck>;
  /** The server's one analyzer (its model caches outlive requests). */
  textAnalyzer: TextAnalyzer;
  /** The server's one steering pool (it shares the analyzer's caches). */
  steerer: Steerer;
  /** Aborted when the request runs past its time limit: long work checks it between steps. */
  signal: AbortSignal;
  /** What this request read, for the response cache (loaders record it). */
  reads: ReadScopes;
  /** Polling interval of job subscriptions (tests shorten it). */
  jobWatchMs?: number;
}

/** Builds a Context (fresh loaders) for one HTTP request or one subscription. */
export type ContextFactory = (
  apiKey: Context['apiKey'],
  signal: AbortSignal,
  reads?: ReadScopes,
  /** The read versions the request was checked against, when the response cache saw it: the parts cache keys on them. */
  versions?: VersionSnapshot,
) => Context;
