import type { DataSource } from 'typeorm';
import type { Loaders } from './loaders/index.js';

/** What every resolver receives; built once per request. */
export interface Context {
  dataSource: DataSource;
  loaders: Loaders;
}
