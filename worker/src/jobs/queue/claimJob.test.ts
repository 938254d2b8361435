import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase } from '@atlas/migrations/testing';
import { claimJob } from './claimJob.js';

test('claims the oldest due job of a handled type once, and takes over an expired lease', async () => {
  const db = await openTestDatabase();
  try {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    await q(`INSERT INTO jobs (type, payload, run_at) VALUES
      ('export', '{"n": 1}', now() - interval '3 minutes'),
      ('train',  '{"n": 2}', now() - interval '2 minutes'),
      ('train',  '{"n": 3}', now() - interval '1 minutes'),
      ('train',  '{"n": 4}', now() + interval '1 hour')`);
    const first = await claimJob(db.dataSource, ['train'], 'w1', 60_000);
    assert.deepEqual(first?.payload, { n: 2 });
    const second = await claimJob(db.dataSource, ['train'], 'w2', 60_000);
    assert.deepEqual(second?.payload, { n: 3 });
    assert.equal(await claimJob(db.dataSource, ['train'], 'w3', 60_000), undefined); // n=4 is not due
    assert.equal(await claimJob(db.dataSource, [], 'w3', 60_000), undefined);
    const [row] = await q(`SELECT state, locked_by, attempts FROM jobs WHERE id = $1`, [first!.id]);
    assert.deepEqual(row, { state: 'running', locked_by: 'w1', attempts: 1 });
    // w1 dies: its lease runs out and another worker resumes the job.
    await q(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [first!.id]);
    const resumed = await claimJob(db.dataSource, ['train'], 'w4', 60_000);
    assert.equal(resumed?.id, first!.id);
    assert.equal(resumed?.attempts, 2);
  } finally {
    await db.close();
  }
});

test('a job whose workers died max_attempts times is given up with an error and a log line, not taken over', async () => {
  const db = await openTestDatabase();
  try {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const [{ id }] = await q(`INSERT INTO jobs (type, payload, max_attempts) VALUES ('analyze', '{}', 2) RETURNING id`);
    const expire = () => q(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [id]);
    assert.equal((await claimJob(db.dataSource, ['analyze'], 'w1', 60_000))?.attempts, 1);
    await expire(); // w1 killed
    assert.equal((await claimJob(db.dataSource, ['analyze'], 'w2', 60_000))?.attempts, 2);
    await expire(); // w2 killed too: that was the last attempt
    assert.equal(await claimJob(db.dataSource, ['analyze'], 'w3', 60_000), undefined);
    const [row] = await q(
      `SELECT state, locked_by, error, finished_at IS NOT NULL AS finished FROM jobs WHERE id = $1`,
      [id],
    );
    assert.equal(row.state, 'failed');
    assert.equal(row.locked_by, null);
    assert.equal(row.finished, true);
    assert.match(row.error, /stopped without finishing \(w2\), attempt 2 of 2; not retried again/);
    const logs = await q(`SELECT level, message FROM job_logs WHERE job_id = $1`, [id]);
    assert.deepEqual(logs, [{ level: 'error', message: row.error }]);
    // Other types' workers leave it alone; a live lease is never touched.
    const [{ id: live }] = await q(
      `INSERT INTO jobs (type, state, attempts, max_attempts, locked_by, locked_until) VALUES ('train', 'running', 3, 3, 'w9', now() + interval '1 minute') RETURNING id`,
    );
    assert.equal(await claimJob(db.dataSource, ['train'], 'w3', 60_000), undefined);
    assert.deepEqual(await q(`SELECT state, locked_by FROM jobs WHERE id = $1`, [live]), [
      { state: 'running', locked_by: 'w9' },
    ]);
  } finally {
    await db.close();
  }
});
