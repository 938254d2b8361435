// The evaluate job through the real queue and runner: claimed, run, progress on the job row, rows stored; and the
// payload checked by the shared schema.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobPayloads } from '@atlas/migrations';
import { openTestDatabase } from '@atlas/migrations/testing';
import { registerDictionary } from '../../store/dictionaryLifecycle.js';
import { claimJob } from '../queue/claimJob.js';
import { runJob, type ClaimedJob } from '../runJob.js';
import { createEvaluateTask } from './evaluateTask.js';
import { writeTinySae } from './tinySae.testing.js';

const worker = { id: 'w1', leaseMs: 60_000 };

test('an evaluate job runs from the queue, reports progress and stores its rows; a rerun replaces them; a cancel stops it', async () => {
  const db = await openTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'evaluate-task-'));
  try {
    writeTinySae(join(dir, 'sae'));
    const dictionaryId = await registerDictionary(db.dataSource, join(dir, 'sae'), { name: 'tiny', status: 'ready' });
    const payload = { dictionaryId, only: ['core'], documents: 8, tokensPerDocument: 128 };
    const run = async () => {
      const [{ id: jobId }] = await db.dataSource.query(
        `INSERT INTO jobs (type, payload, dictionary_id) VALUES ('evaluate', $1, $2) RETURNING id`,
        [JSON.stringify(payload), dictionaryId],
      );
      const job = await claimJob(db.dataSource, ['evaluate'], worker.id, worker.leaseMs);
      assert.equal(job?.id, jobId);
      const outcome = await runJob(db.dataSource, job as unknown as ClaimedJob, createEvaluateTask(db), worker);
      const [row] = await db.dataSource.query(`SELECT state, error, progress FROM jobs WHERE id = $1`, [jobId]);
      const logs: { message: string }[] = await db.dataSource.query(`SELECT message FROM job_logs WHERE job_id = $1`, [
        jobId,
      ]);
      return { outcome, row, logs };
    };
    const first = await run();
    assert.equal(first.outcome, 'succeeded', first.row.error);
    assert.equal(first.row.state, 'succeeded');
    assert.equal(first.row.progress.fraction, 1);
    assert.equal(first.row.progress.unit, 'tokens');
    assert.ok(
      first.logs.some((l) => /evaluated dictionary \d+ \(tiny\) on brown: 8 held-out documents/.test(l.message)),
    );
    const stored = async () =>
      (await db.dataSource.query(`SELECT kind, metric FROM evaluations WHERE dictionary_id = $1 ORDER BY metric`, [
        dictionaryId,
      ])) as { kind: string; metric: string }[];
    const rows = await stored();
    assert.ok(rows.length >= 8 && rows.every((r) => r.kind === 'core'), JSON.stringify(rows));
    assert.ok(rows.some((r) => r.metric === 'fvu'));
    // A rerun (what a retried job does) replaces the rows rather than adding to them.
    const again = await run();
    assert.equal(again.outcome, 'succeeded', again.row.error);
    assert.deepEqual(await stored(), rows);

    // Cancelled (as the cancelJob mutation does) once taken: it stops at its next progress report, storing nothing.
    await db.dataSource.query(`DELETE FROM evaluations`);
    const [{ id: cancelled }] = await db.dataSource.query(
      `INSERT INTO jobs (type, payload, dictionary_id) VALUES ('evaluate', $1, $2) RETURNING id`,
      [JSON.stringify(payload), dictionaryId],
    );
    const job = await claimJob(db.dataSource, ['evaluate'], worker.id, worker.leaseMs);
    assert.equal(job?.id, cancelled);
    await db.dataSource.query(`UPDATE jobs SET state = 'cancelled' WHERE id = $1`, [cancelled]);
    const outcome = await runJob(db.dataSource, job as unknown as ClaimedJob, createEvaluateTask(db), worker);
    assert.equal(outcome, 'cancelled');
    assert.deepEqual(await stored(), []);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the evaluate payload names a bad field', () => {
  const r = JobPayloads.evaluate.safeParse({ dictionaryId: 3, only: ['core', 'probing'] });
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues[0].path, ['only', 1]);
  assert.equal(JobPayloads.evaluate.safeParse({ dictionaryId: 0 }).success, false);
  assert.equal(JobPayloads.evaluate.safeParse({ dictionaryId: 3 }).success, true);
});
