import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openTestDatabase } from '@atlas/migrations/testing';
import { jobLog, killMidJobThenResume, runWorkerOnce, workerDataDir } from '../workerProcess.testing.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

test('a train job killed with SIGKILL mid-run resumes from its checkpoint and ends like an uninterrupted one', async () => {
  const db = await openTestDatabase();
  try {
    const dataDir = workerDataDir(db);
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
    // Kill once real progress (and so a checkpoint, every 200 steps) is in.
    const mid = await killMidJobThenResume(db, dataDir, killed, (j) => j.progress.fraction > 0.3);
    assert.ok(mid.progress.fraction > 0.3 && mid.progress.fraction < 1, `killed at ${mid.progress.fraction}`);

    const [{ id: clean }] = await db.dataSource.query(
      `INSERT INTO jobs (type, payload) VALUES ('train', $1) RETURNING id`,
      [payload('clean')],
    );
    await runWorkerOnce(db, dataDir);

    const jobs = await db.dataSource.query(`SELECT id, state, attempts, dictionary_id FROM jobs ORDER BY id`);
    assert.deepEqual(
      jobs.map((j: { state: string }) => j.state),
      ['succeeded', 'succeeded'],
    );
    assert.equal(jobs[0].attempts, 2);
    assert.equal(jobs[1].id, clean);
    assert.ok((await jobLog(db, killed)).some((l) => l.startsWith('attempt 2 started')));
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
