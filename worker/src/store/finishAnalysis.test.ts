import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimAnalysis } from '@atlas/migrations';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { dictionariesOnHook, ensureDictionary, finishAnalysis, registerDictionary } from './dictionaryLifecycle.js';

// One database for the file: starting one costs more than the tests.
let db: TestDatabase;
before(async () => {
  db = await openTestDatabase();
});
after(() => db?.close());

test('finishing an analysis records its token count and map method beside the training metrics', async () => {
  {
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
  }
});

// A transcoder's row: its output hook and d_out in hyperparameters (the architecture column names its activation),
// kept on re-registration; family links pair it only with dictionaries that write where it writes.
test('a transcoder row records hookNameOut and d_out; dictionariesOnHook links by output hook', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'store-transcoder-'));
  try {
    const ds = db.dataSource;
    const shape = { architecture: 'topk', dIn: 4, dSae: 8, k: 2 };
    const hook = 'blocks.0.hook_resid_mid';
    const hyperparameters = { architecture: 'transcoder', hookNameOut: 'blocks.0.hook_mlp_out', dOut: 4 };
    const tc = await ensureDictionary(ds, join(folder, 'tc'), shape, {
      hook,
      contentHash: 'sha256:tc',
      hyperparameters,
    });
    const tc2 = await ensureDictionary(ds, join(folder, 'tc2'), shape, {
      hook,
      contentHash: 'sha256:tc2',
      hyperparameters,
    });
    const other = await ensureDictionary(ds, join(folder, 'tc3'), shape, {
      hook,
      contentHash: 'sha256:tc3',
      hyperparameters: { ...hyperparameters, hookNameOut: 'blocks.0.hook_resid_post' },
    });
    const sae = await ensureDictionary(ds, join(folder, 'sae'), shape, { hook, contentHash: 'sha256:sae' });
    // The same content again (moved folder): the row is found, and its hyperparameters stay.
    assert.equal(
      await ensureDictionary(ds, join(folder, 'moved'), shape, { hook, contentHash: 'sha256:tc', hyperparameters }),
      tc,
    );
    const [row] = await ds.query(`SELECT architecture, hyperparameters FROM dictionaries WHERE id = $1`, [tc]);
    assert.deepEqual(row, { architecture: 'topk', hyperparameters });
    // A trained transcoder folder registered by a job: the same split of cfg.json into column and hyperparameters.
    mkdirSync(join(folder, 'trained'));
    writeFileSync(
      join(folder, 'trained', 'cfg.json'),
      JSON.stringify({
        architecture: 'skip_transcoder',
        d_in: 4,
        d_sae: 8,
        d_out: 4,
        k: 2,
        hook_name: hook,
        hook_name_out: 'blocks.0.hook_mlp_out',
      }),
    );
    const trained = await registerDictionary(ds, join(folder, 'trained'), {
      name: 'trained',
      status: 'trained',
      hyperparameters: { latents: 8 },
    });
    const [trainedRow] = await ds.query(`SELECT architecture, k, hyperparameters FROM dictionaries WHERE id = $1`, [
      trained,
    ]);
    assert.deepEqual(trainedRow, {
      architecture: 'topk',
      k: 2,
      hyperparameters: { latents: 8, architecture: 'skip_transcoder', hookNameOut: 'blocks.0.hook_mlp_out', dOut: 4 },
    });
    await ds.query(`UPDATE dictionaries SET status = 'ready' WHERE id = ANY($1)`, [[tc, tc2, other, sae]]);
    const ids = async (id: number, out: string | null) =>
      (await dictionariesOnHook(ds, id, hook, 4, out)).map((r) => r.id);
    assert.deepEqual(await ids(tc, 'blocks.0.hook_mlp_out'), [tc2]);
    assert.deepEqual(await ids(other, 'blocks.0.hook_resid_post'), []);
    assert.deepEqual(await ids(sae, null), []);
    const sae2 = await ensureDictionary(ds, join(folder, 'sae2'), shape, { hook, contentHash: 'sha256:sae2' });
    await ds.query(`UPDATE dictionaries SET status = 'ready' WHERE id = $1`, [sae2]);
    assert.deepEqual(await ids(sae, null), [sae2]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
