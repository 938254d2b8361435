import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openTestDatabase } from '@atlas/migrations/testing';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

function worker(dataDir: string, extra: string[] = []) {
  return spawn(process.execPath, ['--import', 'tsx', 'worker/src/cli/main.ts', 'work', ...extra], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: '',
      ATLAS_DATA_DIR: dataDir,
      ATLAS_JOB_LEASE_MS: '1500',
      ATLAS_WORKER_POLL_MS: '100',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const exited = (p: ReturnType<typeof spawn>) => new Promise<number | null>((r) => p.on('exit', (c) => r(c)));

test('a train job killed with SIGKILL mid-run resumes from its checkpoint and ends like an uninterrupted one', async () => {
  const db = await openTestDatabase();
  try {
    const dataDir = db.dataDir!;
    const synth = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'worker/src/cli/main.ts',
        'synth',
        '--out',
        `${dataDir}/synth`,
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
    const payload = (name: string) =>
      JSON.stringify({ name, acts: `${dataDir}/synth`, arch: 'topk', latents: 48, k: 3, tokens: 2_000_000, seed: 7 });
    const [{ id: killed }] = await db.dataSource.query(
      `INSERT INTO jobs (type, payload) VALUES ('train', $1) RETURNING id`,
      [payload('killed')],
    );

    const first = worker(dataDir);
    // Kill once real progress (and so a checkpoint, every 200 steps) is in.
    for (let i = 0; i < 600; i++) {
      const [job] = await db.dataSource.query(`SELECT progress FROM jobs WHERE id = $1`, [killed]);
      if (job.progress.fraction > 0.3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    first.kill('SIGKILL');
    await exited(first);
    const [mid] = await db.dataSource.query(`SELECT state, progress FROM jobs WHERE id = $1`, [killed]);
    assert.equal(mid.state, 'running');
    assert.ok(mid.progress.fraction > 0.3 && mid.progress.fraction < 1, `killed at ${mid.progress.fraction}`);

    await new Promise((r) => setTimeout(r, 1600)); // the dead worker's lease runs out
    const second = worker(dataDir, ['--once']);
    let log = '';
    second.stderr?.on('data', (d: Buffer) => (log += d));
    assert.equal(await exited(second), 0, log);

    const [{ id: clean }] = await db.dataSource.query(
      `INSERT INTO jobs (type, payload) VALUES ('train', $1) RETURNING id`,
      [payload('clean')],
    );
    const third = worker(dataDir, ['--once']);
    assert.equal(await exited(third), 0);

    const jobs = await db.dataSource.query(`SELECT id, state, attempts, dictionary_id FROM jobs ORDER BY id`);
    assert.deepEqual(
      jobs.map((j: { state: string }) => j.state),
      ['succeeded', 'succeeded'],
    );
    assert.equal(jobs[0].attempts, 2);
    assert.equal(jobs[1].id, clean);
    const dicts = await db.dataSource.query(
      `SELECT name, architecture, d_in, n_latents, k, metrics, status FROM dictionaries ORDER BY id`,
    );
    assert.deepEqual(
      dicts.map((d: { name: string }) => d.name),
      ['killed', 'clean'],
    );
    assert.equal(dicts[0].status, 'trained');
    assert.deepEqual([dicts[0].architecture, dicts[0].d_in, dicts[0].n_latents, dicts[0].k], ['topk', 16, 48, 3]);
    // Same seed, same data: resuming from the checkpoint reproduces the uninterrupted run.
    assert.ok(
      Math.abs(dicts[0].metrics.fvu - dicts[1].metrics.fvu) < 1e-6,
      `${dicts[0].metrics.fvu} vs ${dicts[1].metrics.fvu}`,
    );
    assert.ok(dicts[1].metrics.fvu < 0.5);
  } finally {
    await db.close();
  }
});
