import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimAnalysis } from '@atlas/migrations';
import { openTestDatabase } from '@atlas/migrations/testing';
import { finishAnalysis } from './dictionaryLifecycle.js';

test('finishing an analysis records its token count and map method beside the training metrics', async () => {
  const db = await openTestDatabase();
  try {
    const [{ id }] = await db.dataSource.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, status, metrics)
       VALUES ('d', 'blocks.0.mlp.hook_post', 'topk', 4, 8, 'analyzing', '{"deadFraction": 0.125, "l0": 3}') RETURNING id`,
    );
    const taken = await claimAnalysis(db.dataSource, id, 'test', 60_000);
    assert.ok('claim' in taken);
    // A writer without the claim's token publishes nothing.
    assert.equal(await finishAnalysis(db.dataSource, id, { tokens: 1, mapMethod: 'pca' }, 'not-the-token'), false);
    const [unfinished] = await db.dataSource.query(`SELECT status FROM dictionaries WHERE id = $1`, [id]);
    assert.equal(unfinished.status, 'analyzing');
    const token = taken.claim.token;
    assert.equal(await finishAnalysis(db.dataSource, id, { tokens: 2000, mapMethod: 'umap' }, token), true);
    const [first] = await db.dataSource.query(`SELECT status, metrics FROM dictionaries WHERE id = $1`, [id]);
    assert.equal(first.status, 'ready');
    assert.deepEqual(first.metrics, { deadFraction: 0.125, l0: 3, tokensAnalyzed: 2000, mapMethod: 'umap' });
    // A re-analysis replaces the analysed figures and keeps the training ones.
    const ceLoss = { clean: 4.5, spliced: 4.7, zeroAblated: 9.2, recovered: 0.96 };
    await finishAnalysis(db.dataSource, id, { tokens: 50000, mapMethod: 'pca', ceLoss }, token);
    const [second] = await db.dataSource.query(`SELECT metrics FROM dictionaries WHERE id = $1`, [id]);
    assert.deepEqual(second.metrics, {
      deadFraction: 0.125,
      l0: 3,
      tokensAnalyzed: 50000,
      mapMethod: 'pca',
      ceLossClean: 4.5,
      ceLossSpliced: 4.7,
      ceLossZeroAblated: 9.2,
      ceLossRecovered: 0.96,
    });
  } finally {
    await db.close();
  }
});
