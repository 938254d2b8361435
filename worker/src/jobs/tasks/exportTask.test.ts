// The export job through the real runner: progress on the job row, the folder written, and a retry after the
// folder was completed counts as done instead of failing on OUTPUT_EXISTS.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTestDatabase } from '@atlas/migrations/testing';
import { ingestDictionary, type ExampleRecord } from '../../ingest/ingestDictionary.js';
import { claimJob } from '../queue/claimJob.js';
import { runJob, type ClaimedJob } from '../runJob.js';
import { jobLog, killMidJobThenResume, readJob, runWorkerOnce, workerDataDir } from '../workerProcess.testing.js';
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

test('an export job killed with SIGKILL mid-export starts over on the next worker and writes what an uninterrupted one does', async () => {
  const db = await openTestDatabase();
  try {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const dataDir = workerDataDir(db);
    // Big enough that the export takes a few pages (2,000 rows each) and so some time to kill it in.
    const nLatents = 3000;
    const dIn = 16;
    const [{ id }] = await q(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k) VALUES ('big', 'h', 'topk', $1, $2, 4) RETURNING id`,
      [dIn, nLatents],
    );
    const features = Array.from({ length: nLatents }, (_, index) => ({
      index,
      decoder: Float32Array.from({ length: dIn }, (_, i) => Math.sin(index * 7 + i)),
      density: index / nLatents,
      meanActivation: 1,
      maxActivation: 2 + index,
      histogram: null,
      label: `feature ${index}`,
      labelScores: null,
      logits: null,
      mapX: index,
      mapY: -index,
      neighbors: null,
    }));
    const examplesOf = (f: number): ExampleRecord[] =>
      Array.from({ length: 8 }, (_, rank) => ({
        featureIndex: f,
        kind: 'top',
        bin: 0,
        rank,
        maxActivation: 10 - rank,
        docIndex: f % 5,
        tokenStart: rank,
        maxPosition: 1,
        tokens: ['a', ' b', ' c'],
        activations: [0, 10 - rank, 1],
      }));
    await ingestDictionary(db, { id, dIn, nLatents }, features, examplesOf);
    const enqueue = async (out: string) =>
      (
        await q(`INSERT INTO jobs (type, payload) VALUES ('export', $1) RETURNING id`, [
          JSON.stringify({ dictionaryId: id, out }),
        ])
      )[0].id as number;
    const killedOut = join(dataDir, 'killed');
    const killed = await enqueue(killedOut);
    await killMidJobThenResume(db, dataDir, killed, (j) => j.progress.unit === 'features');
    const resumed = await readJob(db, killed);
    assert.deepEqual([resumed.state, resumed.attempts], ['succeeded', 2]);
    assert.ok(!existsSync(`${killedOut}.partial`));
    assert.ok((await jobLog(db, killed)).some((l) => l.startsWith('attempt 2 started')));

    const cleanOut = join(dataDir, 'clean');
    const clean = await enqueue(cleanOut);
    await runWorkerOnce(db, dataDir);
    assert.equal((await readJob(db, clean)).state, 'succeeded');
    const files = readdirSync(cleanOut, { recursive: true, encoding: 'utf8' }).sort();
    assert.deepEqual(readdirSync(killedOut, { recursive: true, encoding: 'utf8' }).sort(), files);
    const manifest = (dir: string) => {
      const m = JSON.parse(readFileSync(join(dir, 'dictionary.json'), 'utf8'));
      delete m.exported_at;
      return m;
    };
    assert.deepEqual(manifest(killedOut), manifest(cleanOut));
    assert.equal(manifest(cleanOut).counts.examples, nLatents * 8);
    for (const f of files)
      if (f !== 'dictionary.json' && !f.endsWith('weights'))
        assert.ok(readFileSync(join(killedOut, f)).equals(readFileSync(join(cleanOut, f))), f);
  } finally {
    await db.close();
  }
});
