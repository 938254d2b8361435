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
