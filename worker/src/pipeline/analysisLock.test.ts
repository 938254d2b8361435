// One analysis of a dictionary at a time, enforced by the database (issue 13, item 3): two writers on one dictionary
// (exactly one writes, and its rows equal a lone run's), a writer whose claim was taken over publishes nothing, and
// the claim's own rules (refuse or wait, a retried job takes its claim back, a lapsed claim can be taken).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { claimAnalysis, claimHolder, renewAnalysisClaim } from '@atlas/migrations';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { AtlasError } from '../errors.js';
import { dictionaryContent } from '../jobs/tasks/dictionaryContent.testing.js';
import { TINY_SAE_LATENTS, writeTinySae } from '../jobs/tasks/tinySae.testing.js';
import { workerDataDir } from '../jobs/workerProcess.testing.js';
import { takeAnalysisLock } from './analysisLock.js';
import { analyzeIntoAtlas, type AnalyzeIntoAtlasEvents, type AnalyzeIntoAtlasOptions } from './analyzeIntoAtlas.js';

const quiet: AnalyzeIntoAtlasEvents = { log: () => {}, progress: () => {} };

function analysisOf(db: TestDatabase): AnalyzeIntoAtlasOptions {
  const folder = join(workerDataDir(db), 'tiny-sae');
  writeTinySae(folder);
  return { folder, model: 'builtin', corpus: 'brown', maxTokens: 2000, contextSize: 64, prependBos: true };
}

const count = async (db: TestDatabase, sql: string, id: number) =>
  ((await db.dataSource.query(sql, [id])) as { n: number }[])[0].n;

test('two analyses of one dictionary at once: exactly one writes, and the rows equal a lone run', async () => {
  const db = await openTestDatabase();
  try {
    const o = analysisOf(db);
    let second: unknown = 'did not run';
    // The second writer starts while the first holds the claim, between its analysis and its ingest.
    const id = await analyzeIntoAtlas(async () => db, o, {
      ...quiet,
      ingesting: async () => {
        second = await analyzeIntoAtlas(async () => db, o, quiet).catch((err: unknown) => err);
      },
    });
    assert.ok(second instanceof AtlasError, `the second writer was not refused: ${String(second)}`);
    assert.equal(second.code, 'ANALYSIS_IN_PROGRESS');
    assert.match(
      second.message,
      new RegExp(`^dictionary ${id} is being analysed by analysis \\d+ of pid ${process.pid}`),
    );
    assert.equal(await count(db, `SELECT count(*)::int AS n FROM dictionaries WHERE id >= $1`, 0), 1);
    assert.equal(
      await count(db, `SELECT count(*)::int AS n FROM features WHERE dictionary_id = $1`, id),
      TINY_SAE_LATENTS,
    );
    assert.equal(await count(db, `SELECT count(*)::int AS n FROM analysis_claims WHERE dictionary_id = $1`, id), 0);
    const raced = await dictionaryContent(db, id);
    assert.equal(raced.dictionary[0].status, 'ready');
    // A lone analysis of the same dictionary (the same folder: recognised by content) writes the same rows.
    assert.equal(await analyzeIntoAtlas(async () => db, o, quiet), id);
    assert.deepEqual(await dictionaryContent(db, id), raced);
  } finally {
    await db.close();
  }
});

test('a writer whose claim lapsed and was taken over publishes nothing', async () => {
  const db = await openTestDatabase();
  try {
    const o = analysisOf(db);
    let dictionaryId = 0;
    const outcome = await analyzeIntoAtlas(async () => db, o, {
      ...quiet,
      dictionary: (id) => {
        dictionaryId = id;
      },
      // As if this writer stalled past its lease: the claim lapses and another analysis takes it.
      ingesting: async (id) => {
        await db.dataSource.query(`UPDATE analysis_claims SET expires_at = now() - interval '1 second'`);
        const taken = await claimAnalysis(db.dataSource, id, 'job 99', 60_000);
        assert.ok('claim' in taken);
      },
    }).catch((err: unknown) => err);
    assert.equal((outcome as { code?: string }).code, 'ANALYSIS_CLAIM_LOST', String(outcome));
    assert.match((outcome as Error).message, /lost its claim .* so nothing of it was published/);
    assert.equal(await count(db, `SELECT count(*)::int AS n FROM features WHERE dictionary_id = $1`, dictionaryId), 0);
    const [d] = await db.dataSource.query(`SELECT status FROM dictionaries WHERE id = $1`, [dictionaryId]);
    assert.notEqual(d.status, 'ready');
    assert.equal((await claimHolder(db.dataSource, dictionaryId))?.owner, 'job 99'); // the new holder's claim stands
  } finally {
    await db.close();
  }
});

test('the claim: refused or waited for, taken back by its own owner, taken over once lapsed, renewals fenced', async () => {
  const db = await openTestDatabase();
  try {
    const ds = db.dataSource;
    const [{ id }] = await ds.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ('d', 'h', 'topk', 4, 8) RETURNING id`,
    );
    const first = await takeAnalysisLock(ds, id, { owner: 'job 1' });
    await assert.rejects(takeAnalysisLock(ds, id, { owner: 'job 2' }), (err: AtlasError) => {
      assert.equal(err.code, 'ANALYSIS_IN_PROGRESS');
      assert.match(err.message, new RegExp(`^dictionary ${id} is being analysed by job 1 \\(its claim runs to `));
      return true;
    });
    // A retry of job 1 takes its claim back; the earlier attempt's renewals then fail.
    const retry = await takeAnalysisLock(ds, id, { owner: 'job 1' });
    assert.equal(await renewAnalysisClaim(ds, first.claim, 60_000), false);
    assert.equal(await renewAnalysisClaim(ds, retry.claim, 60_000), true);
    // A waiter gets the claim once the holder lets go.
    const waits: string[] = [];
    const waiter = takeAnalysisLock(ds, id, {
      owner: 'job 2',
      whenHeld: 'wait',
      pollMs: 20,
      waiting: (h) => {
        waits.push(h.owner);
      },
    });
    while (waits.length === 0) await new Promise((r) => setTimeout(r, 10));
    await first.release(); // not the holder any more: releases nothing
    assert.equal((await claimHolder(ds, id))?.owner, 'job 1');
    await retry.release();
    const second = await waiter;
    assert.equal((await claimHolder(ds, id))?.owner, 'job 2');
    assert.ok(waits.every((o) => o === 'job 1'));
    // A lapsed claim (its holder died) is taken by the next analysis.
    await ds.query(`UPDATE analysis_claims SET expires_at = now() - interval '1 second'`);
    const third = await takeAnalysisLock(ds, id, { owner: 'job 3' });
    assert.equal(await renewAnalysisClaim(ds, second.claim, 60_000), false);
    await third.release();
    await second.release();
    assert.equal(await claimHolder(ds, id), null);
  } finally {
    await db.close();
  }
});
