// Dictionary reads, free of GraphQL.
import { Dictionary } from '@atlas/migrations';
import type { DataSource } from 'typeorm';

export function listDictionaries(dataSource: DataSource): Promise<Dictionary[]> {
  return dataSource.getRepository(Dictionary).find({ order: { id: 'ASC' } });
}
