// The embedded server admits only its own user and database, with the data folder's password (SCRAM-SHA-256);
// processes of the same user join through the lock file without configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadDbConfig } from '../config.js';
import { AtlasError } from '../errors.js';
import { openDatabase } from '../openDatabase.js';
import { passwordPath } from './embeddedPassword.js';
import { lockPath } from './startEmbeddedDatabase.js';

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AtlasError, `not an AtlasError: ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

/** The URL with one part changed. */
function variant(url: string, change: (u: URL) => void): string {
  const u = new URL(url);
  change(u);
  return u.toString();
}

test('the embedded server refuses a wrong password, user or database and admits the right one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-auth-'));
  try {
    const db = await openDatabase(loadDbConfig({ ATLAS_DATA_DIR: dir, ATLAS_DB_PORT: '0' }));
    try {
      const embeddedDir = join(dir, 'db');
      const password = readFileSync(passwordPath(embeddedDir), 'utf8').trim();
      assert.ok(password.length >= 32, 'a long random password');
      assert.equal(new URL(db.url).password, password);
      // Only the owner may read the password or the lock file that carries it in its URL.
      assert.equal(statSync(passwordPath(embeddedDir)).mode & 0o777, 0o600);
      assert.equal(statSync(lockPath(embeddedDir)).mode & 0o777, 0o600);

      const open = (url: string) => openDatabase(loadDbConfig({ DATABASE_URL: url }), { migrate: false });
      await rejectsWith(
        open(variant(db.url, (u) => (u.password = 'guess'))),
        'DATABASE_AUTH_FAILED',
        /password authentication failed for user "postgres".*fix the user and password in DATABASE_URL/,
      );
      await rejectsWith(
        open(variant(db.url, (u) => (u.password = ''))),
        'DATABASE_AUTH_FAILED',
        /asks for a password and DATABASE_URL has none/,
      );
      await rejectsWith(
        open(variant(db.url, (u) => (u.username = 'atlas'))),
        'DATABASE_AUTH_FAILED',
        /role "atlas" does not exist/,
      );
      // A second atlas pointed at a wrong database name is refused instead of joining (and changing) this one.
      await rejectsWith(
        open(variant(db.url, (u) => (u.pathname = '/atlas'))),
        'DATABASE_NOT_FOUND',
        /database "atlas" does not exist \(the embedded database serves only "postgres"\)/,
      );

      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ n: number }>('SELECT $1::int + 1 AS n', [41]);
      assert.equal(rows[0].n, 42);
      await client.end();
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a joiner reads the password from the lock file, and the password stays with its data folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-auth-'));
  const other = mkdtempSync(join(tmpdir(), 'atlas-auth-'));
  try {
    const config = loadDbConfig({ ATLAS_DATA_DIR: dir, ATLAS_DB_PORT: '0' });
    const first = await openDatabase(config);
    const firstPassword = new URL(first.url).password;
    const joiner = await openDatabase(config);
    assert.equal(joiner.embedded, undefined, 'joined, not started');
    await joiner.dataSource.query(`INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, status)
      VALUES ('joined', 'h', 'topk', 4, 8, 'ready')`);
    await joiner.close();
    await first.close();

    const again = await openDatabase(config); // a restart keeps the folder's password
    assert.equal(new URL(again.url).password, firstPassword);
    const [{ n }] = await again.dataSource.query(`SELECT count(*)::int AS n FROM dictionaries WHERE name = 'joined'`);
    assert.equal(n, 1);
    await again.close();

    const elsewhere = await openDatabase(loadDbConfig({ ATLAS_DATA_DIR: other, ATLAS_DB_PORT: '0' }), {
      migrate: false,
    });
    assert.notEqual(new URL(elsewhere.url).password, firstPassword, 'each data folder has its own password');
    await elsewhere.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  }
});
