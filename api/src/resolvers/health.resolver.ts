// The health query: whether the api and its database answer, with the engine and pgvector version.
import { Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../context.js';
import { Health } from '../schema/health.type.js';
import { databaseVersions } from '../services/healthService.js';

const startedAt = Date.now();

@Resolver()
export class HealthResolver {
  @Query(() => Health, { description: 'Liveness of the api and its database.' })
  async health(@Ctx() { dataSource }: Context): Promise<Health> {
    const row = await databaseVersions(dataSource);
    return {
      status: 'ok',
      database: row.version.includes('PGlite') ? 'pglite' : 'postgres',
      vectorVersion: row.vector,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
  }
}
