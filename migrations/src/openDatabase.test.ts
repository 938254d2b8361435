import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDbConfig } from './config.js';
import { AtlasError } from './errors.js';
import { migrations } from './migrations/index.js';
import { openDatabase } from './openDatabase.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'atlas-open-'));
}

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AtlasError, `not an AtlasError: ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

test('a malformed DATABASE_URL is refused at start-up with the variable named', () => {
  assert.throws(
    () => loadDbConfig({ DATABASE_URL: 'mysql://x' }),
    /DATABASE_URL: must start with postgres:\/\/ .*\(got "mysql:\/\/x"\)/,
  );
  assert.throws(() => loadDbConfig({ ATLAS_DB_PORT: 'abc' }), /ATLAS_DB_PORT: .*\(got "abc"\)/);
});

test('an unreachable DATABASE_URL names the address and the fix, hiding the password', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r())); // now nothing listens there
  await rejectsWith(
    openDatabase(loadDbConfig({ DATABASE_URL: `postgres://atlas:secret@127.0.0.1:${port}/atlas` })),
    'DATABASE_UNREACHABLE',
    new RegExp(
      `cannot reach PostgreSQL at postgres://atlas:\\*\\*\\*@127\\.0\\.0\\.1:${port}/atlas \\(ECONNREFUSED\\); check DATABASE_URL`,
    ),
  );
});

test('a database without the vector extension is refused before anything is written', async () => {
  const dir = scratch();
  try {
    await rejectsWith(
      openDatabase(loadDbConfig({ ATLAS_DATA_DIR: dir, ATLAS_DB_PORT: '0' }), { withoutVector: true }),
      'VECTOR_EXTENSION_MISSING',
      /has no "vector" extension; install pgvector >= 0\.7/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable data folder is named with the fix', async () => {
  const dir = scratch();
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  try {
    // A path under a regular file cannot be created even by root (chmod alone does not stop root).
    await rejectsWith(
      openDatabase(loadDbConfig({ ATLAS_DATA_DIR: join(file, 'state'), ATLAS_DB_PORT: '0' })),
      'DATA_DIR_UNWRITABLE',
      /cannot write the embedded database folder .*a-file\/state\/db \((ENOTDIR|EEXIST)\); set ATLAS_DATA_DIR to a writable folder/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a port already in use is named with the fix, and the data folder stays usable', async () => {
  const dir = scratch();
  const squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
  const port = (squatter.address() as { port: number }).port;
  try {
    await rejectsWith(
      openDatabase(loadDbConfig({ ATLAS_DATA_DIR: dir, ATLAS_DB_PORT: String(port) })),
      'PORT_IN_USE',
      new RegExp(`port 127\\.0\\.0\\.1:${port} for the embedded database is already in use; set ATLAS_DB_PORT`),
    );
    const db = await openDatabase(loadDbConfig({ ATLAS_DATA_DIR: dir, ATLAS_DB_PORT: '0' }));
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM dictionaries`);
    assert.equal(n, 0);
    await db.close();
  } finally {
    await new Promise<void>((r) => squatter.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migrating twice is a no-op, and a second process joins the running embedded database', async () => {
  const dir = scratch();
  try {
    const config = loadDbConfig({ ATLAS_DATA_DIR: dir, ATLAS_DB_PORT: '0' });
    const first = await openDatabase(config);
    const second = await openDatabase(config); // same process: joins via the lock file, migrates nothing
    assert.equal(second.url, first.url);
    assert.equal(second.embedded, undefined);
    assert.equal(second.engine, 'pglite');
    const rows = await second.dataSource.query(`SELECT name FROM schema_migrations`);
    assert.deepEqual(
      rows.map((r: { name: string }) => r.name),
      // Every migration once, in order (the class names are the migration names).
      migrations.map((m) => m.name),
    );
    await second.close();
    await first.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
