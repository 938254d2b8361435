// A busy api port gives the one PORT_IN_USE line, with nothing before it (the WebSocket server used to print the
// same EADDRINUSE as a raw stack first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot } from './stack.js';

test('`npm run api` on a port in use prints only its PORT_IN_USE line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-port-'));
  const squatter = createServer();
  const port = await freePort();
  await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: '', ATLAS_DATA_DIR: dir, ATLAS_DB_PORT: '0', ATLAS_API_PORT: String(port) },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.trim());
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      new RegExp(`^PORT_IN_USE: port 127\\.0\\.0\\.1:${port} for the api is already in use; set ATLAS_API_PORT`),
    );
  } finally {
    await new Promise<void>((r) => squatter.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});
