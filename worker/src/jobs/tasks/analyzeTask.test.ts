// The `analyze` job in this process: it stops at its next progress report once cancelled (the analysis loop lets
// I/O through between forward passes, so the cancel is seen mid-corpus), and a new job re-analyses to ready.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTestDatabase } from '@atlas/migrations/testing';
import { registerDictionary } from '../../store/dictionaryLifecycle.js';
import { claimJob } from '../queue/claimJob.js';
import { runJob, type ClaimedJob } from '../runJob.js';
import { jobLog, readJob, waitForJob, workerDataDir } from '../workerProcess.testing.js';
import { createAnalyzeTask } from './analyzeTask.js';
import { TINY_SAE_LATENTS, writeTinySae } from './tinySae.testing.js';

const worker = { id: 'w1', leaseMs: 60_000 };

test('an analyze job honours cancel mid-analysis; the next analyze job brings the dictionary to ready', async () => {
  const db = await openTestDatabase();
  try {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const folder = join(workerDataDir(db), 'tiny-sae');
    writeTinySae(folder);
    const dictionaryId = await registerDictionary(db.dataSource, folder, { name: 'tiny', status: 'trained' });
    const run = async (maxTokens: number) => {
      const [{ id }] = await q(`INSERT INTO jobs (type, payload) VALUES ('analyze', $1) RETURNING id`, [
        JSON.stringify({ dictionaryId, maxTokens }),
      ]);
      const job = (await claimJob(db.dataSource, ['analyze'], worker.id, worker.leaseMs)) as unknown as ClaimedJob;
      return {
        id: id as number,
        outcome: runJob(db.dataSource, job, createAnalyzeTask(db, workerDataDir(db)), worker),
      };
    };

    const first = await run(100_000);
    await waitForJob(db, first.id, (j) => j.progress.unit === 'tokens');
    await q(`UPDATE jobs SET state = 'cancelled' WHERE id = $1`, [first.id]); // as the cancelJob mutation does
    assert.equal(await first.outcome, 'cancelled');
    const stopped = await readJob(db, first.id);
    assert.ok(stopped.progress.unit === 'tokens' && stopped.progress.fraction < 0.3, JSON.stringify(stopped));
    assert.equal((await jobLog(db, first.id)).at(-1), 'cancelled; stopped at the next progress report');
    const [{ n }] = await q(`SELECT count(*)::int AS n FROM features WHERE dictionary_id = $1`, [dictionaryId]);
    assert.equal(n, 0);

    const second = await run(2000);
    assert.equal(await second.outcome, 'succeeded', (await readJob(db, second.id)).error ?? '');
    const [d] = await q(`SELECT status, metrics FROM dictionaries WHERE id = $1`, [dictionaryId]);
    assert.equal(d.status, 'ready');
    assert.ok(d.metrics.ceLossClean > 0);
    const [{ n: features }] = await q(`SELECT count(*)::int AS n FROM features WHERE dictionary_id = $1`, [
      dictionaryId,
    ]);
    assert.equal(features, TINY_SAE_LATENTS);
    const [job] = await q(`SELECT dictionary_id, progress FROM jobs WHERE id = $1`, [second.id]);
    assert.equal(job.dictionary_id, dictionaryId);
    assert.equal(job.progress.fraction, 1);
    const log = await jobLog(db, second.id);
    for (const line of ['stage: corpus', 'stage: ingest', `ingested ${TINY_SAE_LATENTS} features`])
      assert.ok(
        log.some((l) => l.startsWith(line)),
        `${line} not in\n${log.join('\n')}`,
      );
  } finally {
    await db.close();
  }
});
