// A real, freshly migrated database for a test: a new embedded PGlite in a temporary folder by default, or, on the
// PostgreSQL server named by TEST_DATABASE_URL, a new database created beside that one and dropped at close (so
// a test may hold several at once, as the export -> import round trip does).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadDbConfig } from '../config.js';
import { openDatabase, type OpenDatabase } from '../openDatabase.js';

export interface TestDatabase extends OpenDatabase {
  /** ATLAS_DATA_DIR of the embedded database (undefined on TEST_DATABASE_URL): child processes join it from here. */
  dataDir: string | undefined;
  /** A plain pg pool on the same database, for tests that need several raw connections. */
  pool(max?: number): pg.Pool;
}

let created = 0;

/** Work on a connection to the server's TEST_DATABASE_URL database (CREATE/DROP DATABASE cannot run inside the target). */
async function onServer(base: string, work: (admin: pg.Client) => Promise<void>): Promise<void> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

export async function openTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  const dir = base ? undefined : mkdtempSync(join(tmpdir(), 'atlas-test-'));
  let external: string | undefined;
  let dropExternal = async () => {};
  if (base) {
    const url = new URL(base);
    const name = `${url.pathname.slice(1) || 'atlas'}_t${process.pid}_${created++}`;
    await onServer(base, async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      await admin.query(`CREATE DATABASE "${name}"`);
    });
    url.pathname = `/${name}`;
    external = url.toString();
    // Not WITH (FORCE): a connection still closing would get a "terminating connection" error after its test.
    dropExternal = () =>
      onServer(base, async (admin) => {
        for (let i = 0; i < 100; i++) {
          const open = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (open.rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      });
  }
  const config = loadDbConfig({
    DATABASE_URL: external,
    ATLAS_DATA_DIR: dir ?? '.atlas',
    ATLAS_DB_PORT: '0',
    ATLAS_DB_POOL_SIZE: String(options.poolSize ?? 4),
  });
  const db = await openDatabase(config);
  const pools: pg.Pool[] = [];
  return {
    ...db,
    dataDir: dir,
    pool(max = 4) {
      const p = new pg.Pool({ connectionString: db.url, max });
      pools.push(p);
      return p;
    },
    async close() {
      await Promise.all(pools.map((p) => p.end()));
      await db.close();
      await dropExternal();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
