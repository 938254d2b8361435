// An api server on a test database and a GraphQL client for it: the set-up the api's HTTP tests share.
import { pino } from 'pino';
import type { TestDatabase } from '@atlas/migrations/testing';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../server.js';

/** A GraphQL answer as it came over HTTP. */
export interface GraphQLAnswer {
  data?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- shapes vary per query
  errors?: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- checked field by field
}

export interface TestApi {
  api: ApiServer;
  /** POST one operation; `authorization` is sent as that header when given. */
  post(query: string, variables?: Record<string, unknown>, authorization?: string): Promise<GraphQLAnswer>;
  stop(): Promise<void>;
}

/** Serve the api on `db` on a free port, silent, with a 100 kB body limit unless `options` say otherwise. */
export async function startTestApi(db: TestDatabase, options: Partial<ApiServerOptions> = {}): Promise<TestApi> {
  const api = await startApiServer({
    dataSource: db.dataSource,
    log: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 100_000,
    ...options,
  });
  return {
    api,
    async post(query, variables = {}, authorization) {
      const res = await fetch(api.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLAnswer;
    },
    stop: () => api.stop(),
  };
}
