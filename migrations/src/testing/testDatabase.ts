// A real, freshly migrated database for a test: a new embedded PGlite in a temporary folder by default, or the
// PostgreSQL named by TEST_DATABASE_URL, whose public schema is dropped and rebuilt from the migrations.
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

export async function openTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const external = process.env.TEST_DATABASE_URL;
  const dir = external ? undefined : mkdtempSync(join(tmpdir(), 'atlas-test-'));
  if (external) {
    const admin = new pg.Client({ connectionString: external });
    await admin.connect();
    await admin.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    await admin.end();
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
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
