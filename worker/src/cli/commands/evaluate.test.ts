// `worker evaluate` as a person runs it, on a tiny atlas (one random TopK dictionary on the built-in model's MLP)
// in a real database: rows the database then holds, SAEBench-layout JSON, and bad flags refused by name.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { registerDictionary } from '../../store/dictionaryLifecycle.js';
import { TINY_SAE_LATENTS, writeTinySae } from '../../jobs/tasks/tinySae.testing.js';
import { evaluateIntoAtlas, parseEvaluationKinds } from '../../pipeline/evaluateIntoAtlas.js';
import { runCliAsync } from '../runCli.testing.js';

const dir = mkdtempSync(join(tmpdir(), 'worker-evaluate-cli-'));
// A small slice (16 documents × 128 tokens): every kind still has classes with enough positives.
const SLICE = ['--documents', '16', '--tokens-per-document', '128'];
const SMALL_SLICE = { documents: 8, tokensPerDocument: 128 };
let db: TestDatabase;
let dictionaryId: number;
let env: Record<string, string>;

before(async () => {
  db = await openTestDatabase();
  env = { DATABASE_URL: db.url };
  writeTinySae(join(dir, 'sae'));
  dictionaryId = await registerDictionary(db.dataSource, join(dir, 'sae'), { name: 'tiny', status: 'ready' });
});
after(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('evaluates every kind into the database and writes SAEBench-layout JSON', async () => {
  const out = join(dir, 'eval.json');
  const r = await runCliAsync(['evaluate', '--dictionary', String(dictionaryId), '--out', out, ...SLICE], env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /evaluate \[#+\.*\] +\d+%/, 'a progress line');
  assert.match(r.stdout, /fvu +\d\.\d{4}/, 'the summary table');

  const rows: { kind: string; metric: string; subject: string | null; value: number }[] = await db.dataSource.query(
    `SELECT kind, metric, subject, value FROM evaluations WHERE dictionary_id = $1`,
    [dictionaryId],
  );
  const kinds = new Set(rows.map((x) => x.kind));
  assert.deepEqual([...kinds].sort(), ['absorption', 'core', 'label_scoring', 'sparse_probing', 'tpp']);
  const value = (kind: string, metric: string, subject: string | null = null) =>
    rows.find((x) => x.kind === kind && x.metric === metric && x.subject === subject)?.value;
  // Bounds any real evaluation meets; a random dictionary reconstructs badly but not impossibly.
  const fvu = value('core', 'fvu');
  assert.ok(fvu !== undefined && fvu > 0, `fvu ${fvu}`);
  const l0 = value('core', 'l0');
  assert.ok(l0 !== undefined && l0 > 0 && l0 <= 4, `l0 ${l0} of a k = 4 TopK dictionary`);
  for (const metric of ['pos.sae_top_1_test_accuracy', 'pos.llm_test_accuracy', 'genre.sae_top_5_test_accuracy']) {
    const v = value('sparse_probing', metric);
    assert.ok(v !== undefined && v >= 0 && v <= 1, `${metric} ${v}`);
  }
  assert.ok(
    rows.some((x) => x.kind === 'sparse_probing' && x.subject !== null),
    'per-class probing rows for the class tables',
  );
  assert.ok(value('tpp', 'tpp_metric_top_10') !== undefined);
  const [{ scores }] = await db.dataSource.query(
    `SELECT count(*)::int AS scores FROM feature_label_scores WHERE dictionary_id = $1`,
    [dictionaryId],
  );
  // labelled_fraction is computed from the label scores before they are stored: the two must agree.
  assert.equal(scores, Math.round(value('label_scoring', 'labelled_fraction')! * TINY_SAE_LATENTS));

  const json = JSON.parse(readFileSync(out, 'utf8')) as {
    eval_type_id: string;
    eval_result_metrics: Record<string, Record<string, number>>;
    eval_config: Record<string, unknown>;
    sae_lens_id: string | null;
    datetime_epoch_millis: number;
  }[];
  assert.deepEqual(
    json.map((e) => e.eval_type_id),
    ['core', 'sparse_probing', 'tpp', 'absorption_pos', 'label_scoring'],
  );
  // SAEBench's core groups and keys (sae_bench/evals/core/eval_output.py).
  const core = json[0].eval_result_metrics;
  assert.deepEqual(Object.keys(core.reconstruction_quality).sort(), ['cossim', 'explained_variance', 'fvu', 'mse']);
  assert.deepEqual(Object.keys(core.model_performance_preservation).sort(), [
    'ce_loss_score',
    'ce_loss_with_ablation',
    'ce_loss_with_sae',
    'ce_loss_without_sae',
  ]);
  assert.equal(core.sparsity.l0, l0);
  assert.equal(core.model_behavior_preservation.kl_div_with_sae, value('core', 'kl_div_spliced'));
  // SAEBench's sparse probing: llm / sae groups with unprefixed keys, the mean over its datasets (here pos and genre).
  const probing = json[1] as (typeof json)[number] & { eval_result_details: { dataset_name: string }[] };
  assert.deepEqual(Object.keys(probing.eval_result_metrics).sort(), ['llm', 'sae']);
  assert.deepEqual(
    probing.eval_result_details.map((d) => d.dataset_name),
    ['brown_pos', 'brown_genre'],
  );
  const meanTop1 =
    (value('sparse_probing', 'pos.sae_top_1_test_accuracy')! +
      value('sparse_probing', 'genre.sae_top_1_test_accuracy')!) /
    2;
  assert.ok(Math.abs(probing.eval_result_metrics.sae.sae_top_1_test_accuracy - meanTop1) < 1e-12);
  assert.ok('llm_top_5_test_accuracy' in probing.eval_result_metrics.llm);
  assert.ok('tpp_threshold_10_total_metric' in json[2].eval_result_metrics.tpp_metrics);
  for (const e of json) assert.ok(e.datetime_epoch_millis > 0 && 'sae_lens_id' in e && e.eval_config);
});

it('--only reruns one kind, replacing its rows and keeping the others', async () => {
  const counts = (): Promise<{ kind: string; n: number }[]> =>
    db.dataSource.query(
      `SELECT kind, count(*)::int AS n FROM evaluations WHERE dictionary_id = $1 GROUP BY kind ORDER BY kind`,
      [dictionaryId],
    );
  const before = await counts();
  const [{ first }] = await db.dataSource.query(
    `SELECT max(created_at) AS first FROM evaluations WHERE dictionary_id = $1 AND kind = 'core'`,
    [dictionaryId],
  );
  // In this process (the command's own path, without another child's start-up): what `--only core` runs.
  await evaluateIntoAtlas(db, { dictionaryId, only: parseEvaluationKinds('core'), slice: SMALL_SLICE });
  assert.deepEqual(await counts(), before, 'the same number of rows per kind: replaced, not added');
  const [{ core }] = await db.dataSource.query(
    `SELECT min(created_at) AS core FROM evaluations WHERE dictionary_id = $1 AND kind = 'core'`,
    [dictionaryId],
  );
  assert.ok(core > first, 'core rows are the new run’s');
});

it('refuses bad flags, naming the flag', async () => {
  const r = await runCliAsync(['evaluate', '--documents', '2'], env);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^ARGUMENT_INVALID: --dictionary is required/);
  assert.throws(
    () => parseEvaluationKinds('core,probing'),
    /--only names unknown evaluation kind\(s\) 'probing'; pass .*sparse_probing/,
  );
  assert.throws(() => parseEvaluationKinds(' , '), /--only is empty/);
  assert.deepEqual(parseEvaluationKinds('tpp, core,tpp'), ['tpp', 'core']);
  await assert.rejects(evaluateIntoAtlas(db, { dictionaryId: 999 }), /--dictionary 999: no dictionary has this id/);
  const [{ id: gone }] = await db.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, weights_path)
     VALUES ('gone', 'blocks.0.mlp.hook_post', 'topk', 512, 8, 2, $1) RETURNING id`,
    [join(dir, 'nowhere')],
  );
  await assert.rejects(
    evaluateIntoAtlas(db, { dictionaryId: gone }),
    (err: Error & { code?: string }) =>
      err.code === 'SOURCE_NOT_FOUND' &&
      err.message.startsWith(`--dictionary ${gone} (gone): its weights are not on disk`),
  );
});
