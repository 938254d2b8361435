// An `analyze` job on a dictionary that another analysis is working on waits for it (reporting progress, so its
// lease and cancel keep working) instead of writing beside it, then analyses once the claim is free.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { claimAnalysis, releaseAnalysisClaim } from '@atlas/migrations';
import { openTestDatabase } from '@atlas/migrations/testing';
import { registerDictionary } from '../../store/dictionaryLifecycle.js';
import { claimJob } from '../queue/claimJob.js';
import { runJob, type ClaimedJob } from '../runJob.js';
import { jobLog, readJob, waitForJob, workerDataDir } from '../workerProcess.testing.js';
import { createAnalyzeTask } from './analyzeTask.js';
import { TINY_SAE_LATENTS, writeTinySae } from './tinySae.testing.js';

const worker = { id: 'w1', leaseMs: 60_000 };

test('an analyze job waits while another analysis holds the dictionary, then analyses it', async () => {
  const db = await openTestDatabase();
  try {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const folder = join(workerDataDir(db), 'tiny-sae');
    writeTinySae(folder);
    const dictionaryId = await registerDictionary(db.dataSource, folder, { name: 'tiny', status: 'trained' });
    const other = await claimAnalysis(db.dataSource, dictionaryId, 'analysis 1 of pid 4242 on elsewhere', 60_000);
    assert.ok('claim' in other);

    const [{ id }] = await q(`INSERT INTO jobs (type, payload) VALUES ('analyze', $1) RETURNING id`, [
      JSON.stringify({ dictionaryId, maxTokens: 2000 }),
    ]);
    const job = (await claimJob(db.dataSource, ['analyze'], worker.id, worker.leaseMs)) as unknown as ClaimedJob;
    const outcome = runJob(db.dataSource, job, createAnalyzeTask(db, workerDataDir(db)), worker);
    const waiting = await waitForJob(db, id, (j) => j.progress?.message?.startsWith('waiting for') ?? false);
    assert.equal(
      waiting.progress.message,
      'waiting for analysis 1 of pid 4242 on elsewhere, which is analysing this dictionary',
    );
    const [{ n: before }] = await q(`SELECT count(*)::int AS n FROM features WHERE dictionary_id = $1`, [dictionaryId]);
    assert.equal(before, 0, 'nothing written while the other analysis holds the claim');

    await releaseAnalysisClaim(db.dataSource, other.claim);
    assert.equal(await outcome, 'succeeded', (await readJob(db, id)).error ?? '');
    const [{ n }] = await q(`SELECT count(*)::int AS n FROM features WHERE dictionary_id = $1`, [dictionaryId]);
    assert.equal(n, TINY_SAE_LATENTS);
    const [d] = await q(`SELECT status, content_hash FROM dictionaries WHERE id = $1`, [dictionaryId]);
    assert.equal(d.status, 'ready');
    assert.match(d.content_hash, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(await q(`SELECT * FROM analysis_claims`), [], 'the job gave its claim up');
    assert.ok((await jobLog(db, id)).some((l) => l.startsWith(`ingested ${TINY_SAE_LATENTS} features`)));
  } finally {
    await db.close();
  }
});
