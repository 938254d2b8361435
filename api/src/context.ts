import type { DataSource } from 'typeorm';

/** What every resolver receives; built once per request. */
export interface Context {
  dataSource: DataSource;
}
