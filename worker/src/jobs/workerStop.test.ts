// SIGTERM to a worker mid-job (what `npm start` sends its children when it stops): the job goes back to the queue,
// with a log line and its attempt given back, and the worker exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openTestDatabase } from '@atlas/migrations/testing';
import {
  exited,
  jobLog,
  readJob,
  runWorkerOnce,
  startWorker,
  waitForJob,
  workerDataDir,
} from './workerProcess.testing.js';

const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

test('SIGTERM mid-job hands the job back to the queue, logs it, exits 0; the next worker finishes it', async () => {
  const db = await openTestDatabase();
  let worker: ReturnType<typeof startWorker> | undefined;
  try {
    const dataDir = workerDataDir(db);
    const synth = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        main,
        'synth',
        '--out',
        `${dataDir}/synth`,
        '--d',
        '64',
        '--features',
        '256',
        '--l0',
        '4',
        '--samples',
        '16384',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(synth.status, 0, synth.stderr);
    const [{ id }] = (await db.dataSource.query(`INSERT INTO jobs (type, payload) VALUES ('train', $1) RETURNING id`, [
      JSON.stringify({
        name: 'stopped',
        acts: `${dataDir}/synth`,
        arch: 'topk',
        // Several seconds of steps even on a fast idle machine: progress is written once a second, and the job must
        // still be running when the test sees it and sends SIGTERM.
        latents: 1024,
        k: 4,
        tokens: 2_000_000,
        seed: 7,
      }),
    ])) as { id: number }[];
    worker = startWorker(db, dataDir, [], { ATLAS_JOB_LEASE_MS: '60000' });
    await waitForJob(db, id, (j) => j.state === 'running' && j.progress.fraction > 0.05);
    const [{ n: registered }] = (await db.dataSource.query(`SELECT count(*)::int AS n FROM workers WHERE job_id = $1`, [
      id,
    ])) as { n: number }[];
    assert.equal(registered, 1, 'the running worker shows its job in its heartbeat row');

    worker.child.kill('SIGTERM');
    assert.equal(await exited(worker), 0, worker.stderr());
    const released = await readJob(db, id);
    assert.equal(released.state, 'queued', JSON.stringify(released));
    assert.equal(released.attempts, 0, 'a stop is not a failed attempt');
    assert.ok(released.progress.fraction < 1);
    assert.match(
      (await jobLog(db, id)).at(-1)!,
      /^released by worker .*: the worker is stopping \(SIGTERM or SIGINT\); queued again/,
    );
    assert.deepEqual(await db.dataSource.query(`SELECT id FROM workers`), []);
    const [{ locked_by }] = (await db.dataSource.query(`SELECT locked_by FROM jobs WHERE id = $1`, [id])) as {
      locked_by: string | null;
    }[];
    assert.equal(locked_by, null, 'released at once, not left to its lease');

    await runWorkerOnce(db, dataDir);
    const finished = await readJob(db, id);
    assert.equal(finished.state, 'succeeded', JSON.stringify(finished));
    assert.equal(finished.attempts, 1);
  } finally {
    worker?.child.kill('SIGKILL'); // a failed assertion must not leave it polling (the test file would never end)
    await db.close();
  }
});
