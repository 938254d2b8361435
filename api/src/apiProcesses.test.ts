// ATLAS_API_PROCESSES: refused without a native PostgreSQL; with one (TEST_DATABASE_URL), `npm run api`'s entry
// point migrates once, starts N processes on one port, each answering, and stops them all on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openTestDatabase } from '@atlas/migrations/testing';
import { loadApiConfig } from './config.js';

test('more than one api process needs DATABASE_URL, and says why', () => {
  assert.throws(
    () => loadApiConfig({ ATLAS_DATA_DIR: '/tmp/x', ATLAS_API_PROCESSES: '2' }),
    /ATLAS_API_PROCESSES=2 needs DATABASE_URL: the embedded database runs one statement at a time/,
  );
  assert.equal(loadApiConfig({ DATABASE_URL: 'postgres://a@h/d', ATLAS_API_PROCESSES: '3' }).processes, 3);
  assert.equal(loadApiConfig({ ATLAS_DATA_DIR: '/tmp/x' }).processes, 1);
});

test(
  'ATLAS_API_PROCESSES=2 serves from two processes on one port and stops them all on SIGTERM',
  { skip: process.env.TEST_DATABASE_URL ? false : 'needs a native PostgreSQL (TEST_DATABASE_URL)' },
  async () => {
    const db = await openTestDatabase();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./main.ts', import.meta.url))], {
        env: { ...process.env, DATABASE_URL: db.url, ATLAS_API_PROCESSES: '2', ATLAS_API_PORT: '0', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const lines: string[] = [];
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          lines.push(...chunk.toString().trim().split('\n'));
          const ready = lines.filter((l) => l.startsWith('api: GraphQL at'));
          if (ready.length === 2) resolve(/at (\S+)/.exec(ready[0])![1]);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${lines.join('\n')}`)));
      });
      assert.ok(lines.some((l) => l.includes('(process 1 of 2)')) && lines.some((l) => l.includes('(process 2 of 2)')));
      assert.equal(new Set(lines.map((l) => /at (\S+)/.exec(l)?.[1])).size, 1, 'one address for both');
      for (let i = 0; i < 4; i++) {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ dictionaries { id } }' }),
        });
        assert.deepEqual(await res.json(), { data: { dictionaries: [] } });
      }
      child.removeAllListeners('exit');
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    } finally {
      await db.close();
    }
  },
);
