// Kill-and-resume for `import` (a SAELens folder analysed and ingested; the `analyze` job runs the same code): a
// worker SIGKILLed mid-analysis leaves the job running; the next worker analyses again and ingests, and the
// dictionary's rows equal those of an uninterrupted import of the same folder.
import assert from 'node:assert/strict';
import { cpSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { openTestDatabase } from '@atlas/migrations/testing';
import { dictionaryContent } from './dictionaryContent.testing.js';
import { writeTinySae } from './tinySae.testing.js';
import { claimJob } from '../queue/claimJob.js';
import { runJob, type ClaimedJob } from '../runJob.js';
import { jobLog, killMidJobThenResume, readJob, runWorkerOnce, workerDataDir } from '../workerProcess.testing.js';
import { createImportTask } from './importTask.js';

test('an import-sae job killed with SIGKILL mid-analysis is finished by the next worker, with the rows of an uninterrupted one', async () => {
  const db = await openTestDatabase();
  try {
    const dataDir = workerDataDir(db);
    writeTinySae(join(dataDir, 'killed', 'sae'));
    cpSync(join(dataDir, 'killed', 'sae'), join(dataDir, 'clean', 'sae'), { recursive: true });
    const enqueue = async (path: string) => {
      const payload = { kind: 'sae', path, model: 'builtin', corpus: 'brown', maxTokens: 3000 };
      const [{ id }] = await db.dataSource.query(
        `INSERT INTO jobs (type, payload) VALUES ('import', $1) RETURNING id`,
        [JSON.stringify(payload)],
      );
      return id as number;
    };
    const killed = await enqueue(join(dataDir, 'killed', 'sae'));
    const atKill = await killMidJobThenResume(db, dataDir, killed, (j) => j.progress.unit === 'tokens');
    assert.ok(atKill.progress.fraction < 1);
    const resumed = await readJob(db, killed);
    assert.deepEqual([resumed.state, resumed.attempts, resumed.error], ['succeeded', 2, null]);
    const log = await jobLog(db, killed);
    assert.ok(
      log.some((l) => l.startsWith('attempt 2 started')) && log.some((l) => /^ingested 64 features/.test(l)),
      log.join('\n'),
    );

    const [{ dictionary_id: id }] = (await db.dataSource.query(`SELECT dictionary_id FROM jobs WHERE id = $1`, [
      killed,
    ])) as { dictionary_id: number }[];
    const killedContent = await dictionaryContent(db, id);
    assert.equal(killedContent.features.length, 64);
    assert.ok(killedContent.examples.length > 64);
    assert.equal(killedContent.dictionary[0].status, 'ready');

    // The same weights from another folder are the same dictionary (keyed on content): analysed again, uninterrupted.
    const clean = await enqueue(join(dataDir, 'clean', 'sae'));
    await runWorkerOnce(db, dataDir);
    assert.equal((await readJob(db, clean)).state, 'succeeded');
    const [b] = (await db.dataSource.query(`SELECT dictionary_id FROM jobs WHERE id = $1`, [clean])) as {
      dictionary_id: number;
    }[];
    assert.equal(b.dictionary_id, id);
    assert.deepEqual(await dictionaryContent(db, id), killedContent);
  } finally {
    await db.close();
  }
});

test('an import-activations job writes the shard folder, and a retry after it was completed succeeds', async () => {
  const db = await openTestDatabase();
  try {
    const fixture = (f: string) => resolve(dirname(fileURLToPath(import.meta.url)), '../../../test-fixtures/acts', f);
    const out = join(workerDataDir(db), 'imported');
    const worker = { id: 'w1', leaseMs: 60_000 };
    const [{ id }] = await db.dataSource.query(`INSERT INTO jobs (type, payload) VALUES ('import', $1) RETURNING id`, [
      JSON.stringify({
        kind: 'activations',
        acts: fixture('acts_f32_6x4.npy'),
        tokens: fixture('tokens_i64_6.npy'),
        out,
      }),
    ]);
    const attempt = async () => {
      const job = (await claimJob(db.dataSource, ['import'], worker.id, worker.leaseMs)) as unknown as ClaimedJob;
      return runJob(db.dataSource, job, createImportTask(db), worker);
    };
    assert.equal(await attempt(), 'succeeded', (await readJob(db, id)).error ?? '');
    assert.ok(existsSync(join(out, 'manifest.json')));
    assert.ok(
      (await jobLog(db, id)).some((l) => l.startsWith(`imported 6 rows x 4 (float32) into 1 shard(s) at ${out}`)),
    );
    // As if the worker died after the import but before marking the job: the retry finds the folder complete.
    await db.dataSource.query(`UPDATE jobs SET state = 'queued', run_at = now() WHERE id = $1`, [id]);
    assert.equal(await attempt(), 'succeeded', (await readJob(db, id)).error ?? '');
    assert.ok((await jobLog(db, id)).includes(`${out} was completed by an earlier attempt`));
  } finally {
    await db.close();
  }
});
