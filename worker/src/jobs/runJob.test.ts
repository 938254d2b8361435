import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase } from '@atlas/migrations/testing';
import { claimJob } from './queue/claimJob.js';
import { runJob, type ClaimedJob } from './runJob.js';
import type { TaskHandler } from './tasks/taskHandler.js';

const worker = { id: 'w1', leaseMs: 60_000 };

async function claim(db: Awaited<ReturnType<typeof openTestDatabase>>): Promise<ClaimedJob> {
  const job = await claimJob(db.dataSource, ['export'], worker.id, worker.leaseMs);
  assert.ok(job);
  return job as unknown as ClaimedJob;
}

test('a task reports progress with rate and ETA, checkpoints, and resumes from its checkpoint after a crash', async () => {
  const db = await openTestDatabase();
  try {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const [{ id }] = await q(`INSERT INTO jobs (type, payload) VALUES ('export', '{}') RETURNING id`);
    const seen: number[] = [];
    // Processes 10 units; "crashes" after unit 6 on the first attempt.
    const task: TaskHandler = {
      async run({ checkpoint, progress, attempts }) {
        const start = (checkpoint?.next as number | undefined) ?? 0;
        for (let unit = start; unit < 10; unit++) {
          seen.push(unit);
          await progress.checkpoint({ next: unit + 1 });
          await progress.report({ done: unit + 1, total: 10, unit: 'rows' }, true);
          if (attempts === 1 && unit === 6) throw Object.assign(new Error('disk hiccup'), { code: 'IO_ERROR' });
        }
      },
    };
    assert.equal(await runJob(db.dataSource, await claim(db), task, worker), 'retrying');
    const [failed] = await q(`SELECT state, error, checkpoint, progress FROM jobs WHERE id = $1`, [id]);
    assert.equal(failed.state, 'queued');
    assert.equal(failed.error, 'IO_ERROR: disk hiccup');
    assert.deepEqual(failed.checkpoint, { next: 7 });
    assert.equal(failed.progress.fraction, 0.7);
    assert.equal(failed.progress.unit, 'rows');
    await q(`UPDATE jobs SET run_at = now() WHERE id = $1`, [id]); // skip the backoff wait
    assert.equal(await runJob(db.dataSource, await claim(db), task, worker), 'succeeded');
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // units 0..6 were not redone
    const [done] = await q(`SELECT state, attempts, progress FROM jobs WHERE id = $1`, [id]);
    assert.deepEqual([done.state, done.attempts, done.progress.fraction], ['succeeded', 2, 1]);
    assert.ok(done.progress.rate > 0);
    const logs = await q(`SELECT level, message FROM job_logs WHERE job_id = $1 ORDER BY id`, [id]);
    assert.deepEqual(
      logs.map((l: { level: string }) => l.level),
      ['info', 'warn', 'info', 'info'],
    );
    assert.equal(logs[0].message, 'attempt 1 started on worker w1');
    assert.equal(logs[1].message, 'IO_ERROR: disk hiccup; retrying in 2 s (attempt 1 of 3)');
    assert.equal(logs[2].message, 'attempt 2 started on worker w1, resuming from checkpoint {"next":7}');
    assert.match(logs[3].message, /^succeeded in \d+\.\d s$/);
  } finally {
    await db.close();
  }
});

test('bad input fails at once; a cancelled job stops at its next report', async () => {
  const db = await openTestDatabase();
  try {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const [{ id: bad }] = await q(`INSERT INTO jobs (type, payload) VALUES ('export', '{}') RETURNING id`);
    const permanent: TaskHandler = {
      run: async () => {
        throw Object.assign(new Error('no such folder /x'), { code: 'SOURCE_NOT_FOUND' });
      },
    };
    assert.equal(await runJob(db.dataSource, await claim(db), permanent, worker), 'failed');
    const [row] = await q(`SELECT state, error, attempts FROM jobs WHERE id = $1`, [bad]);
    assert.deepEqual(row, { state: 'failed', error: 'SOURCE_NOT_FOUND: no such folder /x', attempts: 1 });
    const [failLog] = await q(`SELECT level, message FROM job_logs WHERE job_id = $1 ORDER BY id DESC LIMIT 1`, [bad]);
    assert.deepEqual(failLog, {
      level: 'error',
      message: 'SOURCE_NOT_FOUND: no such folder /x (failed: a retry cannot fix this)',
    });

    const [{ id }] = await q(`INSERT INTO jobs (type, payload) VALUES ('export', '{}') RETURNING id`);
    let reached = 0;
    const long: TaskHandler = {
      async run({ progress }) {
        for (let i = 0; i < 100; i++) {
          reached = i;
          if (i === 3) await q(`UPDATE jobs SET state = 'cancelled' WHERE id = $1`, [id]); // as cancelJob does
          await progress.report({ done: i, total: 100, unit: 'rows' }, true);
        }
      },
    };
    assert.equal(await runJob(db.dataSource, await claim(db), long, worker), 'cancelled');
    assert.equal(reached, 3);
    const [c] = await q(`SELECT state FROM jobs WHERE id = $1`, [id]);
    assert.equal(c.state, 'cancelled');
    const [cancelLog] = await q(`SELECT message FROM job_logs WHERE job_id = $1 ORDER BY id DESC LIMIT 1`, [id]);
    assert.equal(cancelLog.message, 'cancelled; stopped at the next progress report');
    await q(`DELETE FROM jobs WHERE id = $1`, [id]);
    assert.deepEqual(await q(`SELECT id FROM job_logs WHERE job_id = $1`, [id]), []); // deleted with their job
  } finally {
    await db.close();
  }
});
