// A split analyze job run by several worker processes at once: the part jobs tile the corpus, exactly one merge job
// is queued, the partials are removed, and the dictionary ends with the rows of an unsplit analyze job (the same
// example windows and token rows; floats within 1e-6 relative, since sums over parts add in another order and a
// part's batches differ from one pass's), also when a worker is SIGKILLed in the middle of a part.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { registerDictionary } from '../../store/dictionaryLifecycle.js';
import {
  exited,
  jobLog,
  readJob,
  runWorkerOnce,
  startWorker,
  workerDataDir,
  type WorkerProcess,
} from '../workerProcess.testing.js';
import { partialsFolder } from './analyzeSplit.js';
import { dictionaryContent } from './dictionaryContent.testing.js';
import { TINY_SAE_LATENTS, writeTinySae } from './tinySae.testing.js';

/** Rows of the analysis: a part of 2 spans two batches of the pass (32 windows of 63 rows), so a kill can land mid-part. */
const MAX_TOKENS = 6000;

/** Two workers at once: a lease long enough that neither takes over the other's job between progress reports. */
const startSharingWorker = () => startWorker(db, dataDir, [], { ATLAS_JOB_LEASE_MS: '20000' });

let db: TestDatabase;
let dataDir: string;
/** The rows of an unsplit analyze job of the tiny dictionary. */
let expected: Awaited<ReturnType<typeof dictionaryContent>>;

const q = <T>(sql: string, p: unknown[] = []) => db.dataSource.query(sql, p) as Promise<T[]>;

async function tinyDictionary(name: string): Promise<number> {
  const folder = join(dataDir, name, 'sae');
  writeTinySae(folder);
  return registerDictionary(db.dataSource, folder, { name, status: 'trained' });
}

async function enqueueAnalyze(payload: Record<string, unknown>): Promise<number> {
  const [{ id }] = await q<{ id: number }>(`INSERT INTO jobs (type, payload) VALUES ('analyze', $1) RETURNING id`, [
    JSON.stringify(payload),
  ]);
  return id;
}

interface SplitJobs {
  parts: { id: number; state: string; attempts: number; part: { index: number; start: number; end: number } }[];
  merges: { id: number; state: string; error: string | null }[];
}

async function splitJobs(parent: number): Promise<SplitJobs> {
  const parts = await q<SplitJobs['parts'][number]>(
    `SELECT id, state, attempts, payload->'part' AS part FROM jobs WHERE payload->'part'->>'parent' = $1 ORDER BY id`,
    [String(parent)],
  );
  const merges = await q<SplitJobs['merges'][number]>(
    `SELECT id, state, error FROM jobs WHERE payload->'merge'->>'parent' = $1 ORDER BY id`,
    [String(parent)],
  );
  return { parts, merges };
}

/** Poll until the split's merge job has ended (or any of its jobs failed). */
async function waitForMerge(parent: number): Promise<SplitJobs> {
  // Generous: the workers share two cores with whatever else the machine runs.
  const until = Date.now() + 900_000;
  for (;;) {
    const jobs = await splitJobs(parent);
    const failed = [...jobs.parts, ...jobs.merges].find((j) => j.state === 'failed');
    if (failed) assert.fail(`job ${failed.id} failed: ${(await readJob(db, failed.id)).error}`);
    if (jobs.merges.some((m) => m.state === 'succeeded')) return jobs;
    if (Date.now() > until) assert.fail(`the split job ${parent} never merged: ${JSON.stringify(jobs)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `waitForMerge`, and on a failure leave no worker behind to load the next test. */
async function mergedBy(parent: number, workers: WorkerProcess[]): Promise<SplitJobs> {
  try {
    return await waitForMerge(parent);
  } catch (err) {
    for (const w of workers) w.child.kill('SIGKILL');
    throw err;
  }
}

async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) w.child.kill('SIGTERM');
  for (const w of workers) assert.equal(await exited(w), 0, w.stderr());
}

/** Equal, except that numbers may differ by 1e-6 relative. */
function assertClose(actual: unknown, wanted: unknown, where = ''): void {
  if (typeof wanted === 'number' && typeof actual === 'number') {
    const tolerance = 1e-6 * Math.max(Math.abs(wanted), Math.abs(actual)) + 1e-12;
    assert.ok(Math.abs(actual - wanted) <= tolerance, `${where}: ${actual} but unsplit ${wanted}`);
  } else if (wanted !== null && typeof wanted === 'object' && actual !== null && typeof actual === 'object') {
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(wanted).sort(), where);
    for (const [k, v] of Object.entries(wanted))
      assertClose((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else assert.deepEqual(actual, wanted, where);
}

async function assertLikeUnsplit(dictionaryId: number): Promise<void> {
  const got = await dictionaryContent(db, dictionaryId);
  // Which windows were chosen, where, with which tokens: exact. Their activations: float32, and a part's batches
  // group windows differently from one pass's, which can move the last bit (measured: 1.031319 vs 1.0313188).
  const windows = (rows: Record<string, unknown>[]) => rows.map(({ max_activation: _m, activations: _a, ...w }) => w);
  assert.deepEqual(windows(got.examples), windows(expected.examples));
  assert.deepEqual(windows(got.tokens), windows(expected.tokens));
  assertClose(got.examples, expected.examples, 'examples');
  assertClose(got.tokens, expected.tokens, 'tokens');
  assertClose(got.features, expected.features, 'features');
  assertClose(got.dictionary, expected.dictionary, 'dictionary');
}

/** The split's parts tile [0, rows) in index order, each ran to success, and one merge ran. */
function assertTiled(jobs: SplitJobs, split: number): void {
  assert.equal(jobs.parts.length, split);
  assert.deepEqual(
    jobs.parts.map((p) => p.part.index),
    [...Array(split).keys()],
  );
  assert.equal(jobs.parts[0].part.start, 0);
  for (let i = 1; i < split; i++) assert.equal(jobs.parts[i].part.start, jobs.parts[i - 1].part.end);
  assert.ok(jobs.parts.every((p) => p.state === 'succeeded' && p.part.start < p.part.end));
  assert.deepEqual(
    jobs.merges.map((m) => m.state),
    ['succeeded'],
  );
}

before(async () => {
  db = await openTestDatabase();
  dataDir = workerDataDir(db);
  const whole = await tinyDictionary('whole');
  const job = await enqueueAnalyze({ dictionaryId: whole, maxTokens: MAX_TOKENS });
  await runWorkerOnce(db, dataDir);
  assert.equal((await readJob(db, job)).state, 'succeeded', (await readJob(db, job)).error ?? '');
  expected = await dictionaryContent(db, whole);
  assert.equal(expected.features.length, TINY_SAE_LATENTS);
  assert.ok(expected.examples.length > TINY_SAE_LATENTS && expected.tokens.length > 0);
  assert.equal(expected.dictionary[0].status, 'ready');
});

after(() => db?.close());

test('a split=3 analyze job run by two concurrent workers ends with the rows of an unsplit one', async () => {
  const dictionaryId = await tinyDictionary('split');
  const parent = await enqueueAnalyze({ dictionaryId, maxTokens: MAX_TOKENS, split: 3 });
  const workers = [startSharingWorker(), startSharingWorker()];
  const jobs = await mergedBy(parent, workers);
  await stopWorkers(workers);

  assert.equal((await readJob(db, parent)).state, 'succeeded');
  assertTiled(jobs, 3);
  assert.equal(jobs.parts.at(-1)!.part.end, MAX_TOKENS);
  assert.ok((await jobLog(db, parent)).some((l) => l.startsWith(`split rows [0, ${MAX_TOKENS}) into 3 part jobs`)));
  assert.equal(existsSync(partialsFolder(dataDir, parent)), false);
  const [{ dictionary_id }] = await q<{ dictionary_id: number }>(`SELECT dictionary_id FROM jobs WHERE id = $1`, [
    jobs.merges[0].id,
  ]);
  assert.equal(dictionary_id, dictionaryId);
  await assertLikeUnsplit(dictionaryId);
});

test('a worker SIGKILLed in the middle of a part: another takes the part over, and the result still equals an unsplit one', async () => {
  const dictionaryId = await tinyDictionary('killed');
  const parent = await enqueueAnalyze({ dictionaryId, maxTokens: MAX_TOKENS, split: 2 });
  const workers = [startSharingWorker(), startSharingWorker()];
  // The first part seen analysing its range: kill the worker that holds it.
  let victim: { id: number; lockedBy: string } | undefined;
  for (const until = Date.now() + 240_000; !victim;) {
    if (Date.now() > until) assert.fail(`no part of ${JSON.stringify(await splitJobs(parent))} was seen mid-range`);
    const [row] = await q<{ id: number; locked_by: string }>(
      `SELECT id, locked_by FROM jobs WHERE payload->'part'->>'parent' = $1 AND state = 'running'
         AND progress->>'unit' = 'tokens' AND (progress->>'fraction')::float < 1 ORDER BY id LIMIT 1`,
      [String(parent)],
    );
    if (row) victim = { id: row.id, lockedBy: row.locked_by };
    else await new Promise((r) => setTimeout(r, 25));
  }
  const killed = workers.find((w) => victim.lockedBy.endsWith(`:${w.child.pid}`));
  assert.ok(killed, `part job ${victim.id} is held by ${victim.lockedBy}, not one of this test's workers`);
  killed.child.kill('SIGKILL');
  await exited(killed);
  assert.equal((await readJob(db, victim.id)).state, 'running');
  const survivors = [...workers.filter((w) => w !== killed), startSharingWorker()];
  const jobs = await mergedBy(parent, survivors);
  await stopWorkers(survivors);

  assertTiled(jobs, 2);
  assert.equal(jobs.parts.find((p) => p.id === victim.id)!.attempts, 2);
  assert.equal(existsSync(partialsFolder(dataDir, parent)), false);
  await assertLikeUnsplit(dictionaryId);
});
