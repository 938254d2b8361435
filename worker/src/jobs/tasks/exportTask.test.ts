// The export job through the real runner: progress on the job row, the folder written, and a retry after the
// folder was completed counts as done instead of failing on OUTPUT_EXISTS.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTestDatabase } from '@atlas/migrations/testing';
import { ingestDictionary } from '../../ingest/ingestDictionary.js';
import { claimJob } from '../claimJob.js';
import { runJob, type ClaimedJob } from '../runJob.js';
import { exportTask } from './exportTask.js';

const worker = { id: 'w1', leaseMs: 60_000 };

test('an export job writes the folder, reports progress, and a re-run of a finished export succeeds', async () => {
  const db = await openTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'export-task-'));
  try {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const [{ id }] = await q(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k) VALUES ('j', 'h', 'topk', 2, 2, 1) RETURNING id`,
    );
    const features = [0, 1].map((index) => ({
      index,
      decoder: Float32Array.of(1, index),
      density: 0.5,
      meanActivation: 1,
      maxActivation: 2,
      histogram: null,
      label: null,
      labelScores: null,
      logits: null,
      mapX: null,
      mapY: null,
      neighbors: null,
    }));
    await ingestDictionary(db, { id, dIn: 2, nLatents: 2 }, features, () => []);
    const out = join(dir, 'out');
    const run = async () => {
      const [{ id: jobId }] = await q(`INSERT INTO jobs (type, payload) VALUES ('export', $1) RETURNING id`, [
        JSON.stringify({ dictionaryId: id, out }),
      ]);
      const job = await claimJob(db.dataSource, ['export'], worker.id, worker.leaseMs);
      assert.ok(job);
      const outcome = await runJob(db.dataSource, job as unknown as ClaimedJob, exportTask(db.dataSource), worker);
      const [row] = await q(`SELECT state, error, progress FROM jobs WHERE id = $1`, [jobId]);
      return { outcome, row };
    };
    const first = await run();
    assert.equal(first.outcome, 'succeeded', first.row.error);
    assert.equal(first.row.progress.fraction, 1);
    assert.ok(existsSync(join(out, 'features.jsonl')));
    const again = await run();
    assert.equal(again.outcome, 'succeeded', again.row.error);

    const [{ id: other }] = await q(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ('o', 'h', 'relu', 2, 1) RETURNING id`,
    );
    const [{ id: jobId }] = await q(`INSERT INTO jobs (type, payload) VALUES ('export', $1) RETURNING id`, [
      JSON.stringify({ dictionaryId: other, out }),
    ]);
    const job = await claimJob(db.dataSource, ['export'], worker.id, worker.leaseMs);
    assert.equal(
      await runJob(db.dataSource, job as unknown as ClaimedJob, exportTask(db.dataSource), worker),
      'failed',
    );
    const [row] = await q(`SELECT error FROM jobs WHERE id = $1`, [jobId]);
    assert.match(row.error, /^OUTPUT_EXISTS: --out .* already exists/);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
