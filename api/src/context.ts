import type { DataSource } from 'typeorm';
import type { KeyCheck } from './auth/apiKeys.js';
import type { Loaders } from './loaders/index.js';

/** What every resolver receives; built once per request. */
export interface Context {
  dataSource: DataSource;
  loaders: Loaders;
  /** The request's API key, checked on first use. */
  apiKey: () => Promise<KeyCheck>;
}
