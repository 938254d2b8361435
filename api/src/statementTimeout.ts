// statement_timeout for the api's database sessions, so one runaway statement cannot hold a connection past the
// request that asked for it.
//
// PostgreSQL: every session of the api's pool gets `SET statement_timeout` (new ones on connect, the ones already
// open at start-up once). The embedded database (PGlite) is different, measured on 0.5.14: all connections share
// one backend session, so a SET from the api would also bind the worker's bulk loads on the same database; and the
// setting is accepted but never fires (no timer signals in its WebAssembly build: `SET statement_timeout = 200;
// SELECT pg_sleep(1)` returns after 1 s, as does a 24 s scan). There the request timeout is the only bound, and a
// statement it abandons still runs to its end, holding the backend meanwhile.
import type { DataSource } from 'typeorm';
import { pgPoolOf } from './services/preparedQuery.js';

export type StatementTimeoutOutcome = 'set' | 'off' | 'unsupported on the embedded database';

/** Apply `ms` to the api's sessions where the engine honours it; says what it did. */
export async function applyStatementTimeout(
  dataSource: DataSource,
  engine: 'pglite' | 'postgres',
  ms: number,
): Promise<StatementTimeoutOutcome> {
  if (ms <= 0) return 'off';
  if (engine === 'pglite') return 'unsupported on the embedded database';
  const sql = `SET statement_timeout = ${Math.floor(ms)}`;
  const pool = pgPoolOf(dataSource);
  // pg queues queries per client in order, so the SET runs before anything the pool hands the client out for.
  pool.on('connect', (client) => void client.query(sql).catch(() => {}));
  // Sessions opened before this call (start-up, migrations): take each once and set it.
  const open = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
  try {
    await Promise.all(open.map((c) => c.query(sql)));
  } finally {
    for (const c of open) c.release();
  }
  return 'set';
}
