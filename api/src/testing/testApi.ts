// An api server on a test database and a GraphQL client for it: the set-up the api's HTTP tests share.
import { pino } from 'pino';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
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

/** Options of an api that executes every operation: for tests that count what an execution costs. */
export const UNCACHED: Partial<ApiServerOptions> = { responseCacheBytes: 0, featurePartsBytes: 0 };

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

/** A fresh test database with an atlas loaded by `load`, the api on it, and a client that fails on any error. */
export interface AtlasTestApi<A> extends TestApi {
  db: TestDatabase;
  atlas: A;
  /** POST one operation and return its data, failing the test on any GraphQL error. */
  data(query: string, variables?: Record<string, unknown>): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- shapes vary per query
  /** Stop the api and close the database. */
  close(): Promise<void>;
}

/** The start-up resolver tests share: open a test database, load an atlas into it, serve the api on it. */
export async function startAtlasTestApi<A>(
  load: (db: TestDatabase) => Promise<A>,
  options: Partial<ApiServerOptions> = {},
): Promise<AtlasTestApi<A>> {
  const db = await openTestDatabase();
  try {
    const atlas = await load(db);
    const client = await startTestApi(db, options);
    return {
      ...client,
      db,
      atlas,
      async data(query, variables) {
        const body = await client.post(query, variables);
        if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
        return body.data;
      },
      async close() {
        await client.stop();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
