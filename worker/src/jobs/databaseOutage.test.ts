// Kill the database under a running worker: the embedded server it joined is stopped and started again (as when
// `npm start` is stopped and restarted), once while the worker is idle and once mid-job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDbConfig, openDatabase, type OpenDatabase } from '@atlas/migrations';
import { isConnectionLost } from './databaseOutage.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('errors of a lost connection are told apart from other failures', () => {
  assert.ok(
    isConnectionLost(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' })),
  );
  assert.ok(isConnectionLost(new Error('Connection terminated unexpectedly')));
  assert.ok(isConnectionLost({ message: 'query failed', driverError: { code: '57P01' } })); // admin_shutdown
  assert.ok(isConnectionLost(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })])));
  assert.ok(!isConnectionLost(Object.assign(new Error('duplicate key'), { code: '23505' })));
  assert.ok(!isConnectionLost(new Error('SOURCE_NOT_FOUND: no such file')));
});

test('a worker survives its database stopping and starting again, idle and mid-job, and then completes jobs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-outage-'));
  const config = loadDbConfig({ ATLAS_DATA_DIR: dir, ATLAS_DB_PORT: String(await freePort()) });
  let db: OpenDatabase = await openDatabase(config);
  const synth = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      main,
      'synth',
      '--out',
      `${dir}/synth`,
      '--d',
      '16',
      '--features',
      '48',
      '--l0',
      '3',
      '--samples',
      '8192',
    ],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  assert.equal(synth.status, 0, synth.stderr);
  const worker = spawn(process.execPath, ['--import', 'tsx', main, 'work'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '', ATLAS_DATA_DIR: dir, ATLAS_WORKER_POLL_MS: '100', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  worker.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  worker.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
  const count = (re: RegExp) => output.match(new RegExp(re, 'g'))?.length ?? 0;
  const queueTrain = async (name: string, tokens: number) =>
    (
      (await db.dataSource.query(`INSERT INTO jobs (type, payload) VALUES ('train', $1) RETURNING id`, [
        JSON.stringify({ name, acts: `${dir}/synth`, arch: 'topk', latents: 48, k: 3, tokens, seed: 7 }),
      ])) as { id: number }[]
    )[0].id;
  const jobRow = async (id: number) =>
    (
      (await db.dataSource.query(`SELECT state, progress, error FROM jobs WHERE id = $1`, [id])) as {
        state: string;
        progress: { fraction: number };
        error: string | null;
      }[]
    )[0];
  try {
    await until('the worker to register', async () =>
      ((await db.dataSource.query(`SELECT id FROM workers`)) as unknown[]).length ? true : undefined,
    );

    // Idle: the worker's next poll meets a closed port.
    await db.close();
    await until('the outage line', async () => (/lost the database/.test(output) ? true : undefined), 30_000);
    db = await openDatabase(config);
    await until('the reconnect line', async () => (/answers again/.test(output) ? true : undefined), 30_000);
    const first = await queueTrain('after-idle-outage', 200_000);
    const done = await until('the first job to end', async () => {
      const row = await jobRow(first);
      return ['succeeded', 'failed'].includes(row.state) ? row : undefined;
    });
    assert.equal(done.state, 'succeeded', JSON.stringify(done));

    // Mid-job: the database goes away for a second while a training runs.
    const second = await queueTrain('across-an-outage', 3_000_000);
    await until('the second job to make progress', async () => {
      const row = await jobRow(second);
      return row.state === 'running' && row.progress.fraction > 0.05 ? true : undefined;
    });
    await db.close();
    await new Promise((r) => setTimeout(r, 1000));
    db = await openDatabase(config);
    const end = await until(
      'the second job to end',
      async () => {
        const row = await jobRow(second);
        return ['succeeded', 'failed'].includes(row.state) ? row : undefined;
      },
      240_000,
    );
    assert.equal(end.state, 'succeeded', JSON.stringify(end));

    assert.equal(worker.exitCode, null, `the worker exited:\n${output}`);
    // One line when the database goes, one when it is back; never a stack trace or an unhandled error.
    assert.equal(count(/lost the database/), count(/answers again/), output);
    assert.ok(count(/lost the database/) >= 1 && count(/lost the database/) <= 2, output);
    assert.doesNotMatch(output, /\n\s+at |Unhandled|uncaught/i, output);

    worker.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.deepEqual(await db.dataSource.query(`SELECT id FROM workers`), [], 'a stopped worker removes its row');
  } finally {
    worker.kill('SIGKILL');
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
