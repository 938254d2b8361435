import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot } from './stack.js';

/** Run a CLI entry point the way npm scripts do; return its stderr lines. */
function run(script: string, env: Record<string, string>): { status: number | null; stderr: string[] } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr.split('\n').filter((l) => l.trim()) };
}

test('a bad DATABASE_URL gives one error line naming the problem and the fix', async () => {
  const port = await freePort();
  const r = run('migrations/src/cli.ts', { DATABASE_URL: `postgres://atlas:pw@127.0.0.1:${port}/atlas` });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.length, 1, r.stderr.join('\n'));
  assert.match(
    r.stderr[0],
    /^DATABASE_UNREACHABLE: cannot reach PostgreSQL at postgres:\/\/atlas:\*\*\*@127\.0\.0\.1:\d+\/atlas \(ECONNREFUSED\); check DATABASE_URL/,
  );
  const malformed = run('migrations/src/cli.ts', { DATABASE_URL: 'localhost:5432' });
  assert.equal(malformed.stderr.length, 1);
  assert.match(malformed.stderr[0], /^CONFIG_INVALID: DATABASE_URL: must start with postgres:\/\//);
});

test('an unwritable data folder and a busy port each give one error line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-cli-'));
  writeFileSync(join(dir, 'file'), '');
  const unwritable = run('migrations/src/cli.ts', { ATLAS_DATA_DIR: join(dir, 'file', 'x') });
  assert.equal(unwritable.status, 2);
  assert.equal(unwritable.stderr.length, 1, unwritable.stderr.join('\n'));
  assert.match(
    unwritable.stderr[0],
    /^DATA_DIR_UNWRITABLE: cannot write the embedded database folder .*; set ATLAS_DATA_DIR/,
  );

  const { createServer } = await import('node:net');
  const squatter = createServer();
  const port = await freePort();
  await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
  try {
    const busy = run('api/src/main.ts', { ATLAS_DATA_DIR: join(dir, 'state'), ATLAS_DB_PORT: String(port) });
    assert.equal(busy.status, 2);
    assert.equal(busy.stderr.length, 1, busy.stderr.join('\n'));
    assert.match(
      busy.stderr[0],
      new RegExp(
        `^PORT_IN_USE: port 127\\.0\\.0\\.1:${port} for the embedded database is already in use; set ATLAS_DB_PORT`,
      ),
    );
  } finally {
    await new Promise<void>((r) => squatter.close(() => r()));
  }
});
