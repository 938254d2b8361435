import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Backend } from '../engine/backend.js';
import { loadBackend } from '../engine/backendRegistry.js';
import { InferenceDictionary } from '../inference/inferenceDictionary.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import { randomDictionary } from '../inference/randomDictionary.testing.js';
import { evaluateDictionary, evaluationSlice, tokenLabelTexts, type EvaluationOutput } from './evaluateDictionary.js';

let model: InferenceModel;
let backend: Backend;
let out: EvaluationOutput;
const fractions: number[] = [];

before(async () => {
  model = await InferenceModel.load('builtin');
  backend = await loadBackend('cpu', { threads: 1 });
  const dictionary = new InferenceDictionary(randomDictionary({ dIn: 512, dSae: 256, k: 8, seed: 4 }));
  out = await evaluateDictionary({
    dictionaryId: 7,
    model,
    dictionary,
    hook: 'blocks.0.mlp.hook_post',
    backend,
    slice: { every: 5, documents: 20, tokensPerDocument: 192 },
    seed: 1,
    onProgress: (f) => fractions.push(f),
  });
});

after(() => {
  model.dispose();
  backend.dispose();
});

const value = (kind: string, metric: string, subject: string | null = null) =>
  out.rows.find((r) => r.kind === kind && r.metric === metric && r.subject === subject)?.value;

test('every kind reports its aggregate metrics, with the slice, model and settings on each row', () => {
  for (const [kind, metrics] of Object.entries({
    core: [
      'fvu',
      'explained_variance',
      'mse',
      'l0',
      'dead_fraction',
      'dense_fraction',
      'ce_loss_score',
      'kl_div_spliced',
      'cossim',
      'decoder_max_pairwise_cosine',
    ],
    sparse_probing: [
      'pos.llm_test_accuracy',
      'pos.sae_top_1_test_accuracy',
      'pos.llm_top_5_test_accuracy',
      'genre.sae_top_5_test_accuracy',
    ],
    tpp: ['tpp_metric_top_2', 'tpp_metric_top_50'],
    absorption: ['mean_absorption_fraction', 'mean_full_absorption_score', 'mean_num_split_features'],
    label_scoring: ['mean_f1', 'mean_roc_auc', 'labelled_fraction'],
  }))
    for (const metric of metrics)
      assert.ok(Number.isFinite(value(kind, metric)), `${kind} ${metric}: ${value(kind, metric)}`);
  const row = out.rows[0];
  assert.equal(row.dictionaryId, 7);
  assert.equal(row.model, model.name);
  assert.match(
    row.corpusSlice,
    /^brown: 20 held-out documents \(every 5th, first 192 tokens of each\), [\d,]+ tokens$/,
  );
  assert.deepEqual(fractions.at(-1), 1);
});

test('the numbers lie in their ranges: a TopK-8 dictionary has L0 ≤ 8; accuracies in [0, 1]; per-class rows', () => {
  assert.ok(value('core', 'l0')! > 0 && value('core', 'l0')! <= 8);
  assert.ok(Math.abs(value('core', 'fvu')! + value('core', 'explained_variance')! - 1) < 1e-9);
  assert.ok(value('core', 'kl_div_spliced')! >= 0);
  for (const r of out.rows.filter((r) => r.kind === 'sparse_probing'))
    assert.ok(r.value >= 0 && r.value <= 1, r.metric);
  // 'nn' (noun) is the commonest Brown tag: it must have been probed.
  assert.ok(value('sparse_probing', 'pos.llm_test_accuracy', 'nn')! > 0.5);
  for (const s of out.labelScores) {
    assert.ok(s.f1 >= 0 && s.f1 <= 1 && s.precision >= 0 && s.recall <= 1);
    assert.ok(s.tokens > 0 && s.positives <= s.tokens);
  }
  const absorption = out.rows.filter((r) => r.kind === 'absorption' && r.metric === 'mean_absorption_fraction');
  for (const r of absorption) assert.ok(r.value >= 0 && r.value <= 1);
});

test('the SAEBench layout has one result per kind, the absorption one marked as the POS variant', () => {
  assert.deepEqual(
    out.saebench.map((r) => r.eval_type_id),
    ['core', 'sparse_probing', 'tpp', 'absorption_pos', 'label_scoring'],
  );
  const core = out.saebench[0];
  assert.equal(core.eval_result_metrics.model_performance_preservation.ce_loss_score, value('core', 'ce_loss_score'));
  assert.match(String(out.saebench[3].eval_config.variant), /part_of_speech/);
});

test('given labels are scored as they are: a noun label holds on the slice’s nouns; quoted token labels', async () => {
  assert.deepEqual(tokenLabelTexts('"the" " a" "\\"x"'), ['the', 'a', '"x']);
  assert.deepEqual(tokenLabelTexts('of'), ['of']);
  const given = await evaluateDictionary({
    dictionaryId: 7,
    model,
    dictionary: new InferenceDictionary(randomDictionary({ dIn: 512, dSae: 64, k: 8, seed: 5 })),
    hook: 'blocks.0.mlp.hook_post',
    backend,
    only: ['label_scoring'],
    slice: { every: 5, documents: 8, tokensPerDocument: 128 },
    labels: [
      { featureIndex: 3, labelKind: 'pos', label: 'nn' },
      { featureIndex: 3, labelKind: 'token', label: '"the" "a"' },
    ],
  });
  assert.deepEqual(
    given.labelScores.map((s) => [s.featureIndex, s.labelKind, s.label]),
    [
      [3, 'pos', 'nn'],
      [3, 'token', '"the" "a"'],
    ],
  );
  // Nouns and "the"/"a" are frequent in any Brown text; the test documents hold some of each.
  for (const s of given.labelScores) assert.ok(s.positives > 0 && s.positives < s.tokens, JSON.stringify(s));
  assert.deepEqual(
    given.rows.map((r) => r.metric),
    ['mean_f1', 'mean_roc_auc', 'labelled_fraction'],
  );
  await assert.rejects(
    evaluateDictionary({
      dictionaryId: 7,
      model,
      dictionary: new InferenceDictionary(randomDictionary({ dIn: 512, dSae: 64, seed: 5 })),
      hook: 'blocks.0.mlp.hook_post',
      backend,
      only: ['label_scoring'],
      slice: { every: 5, documents: 8, tokensPerDocument: 128 },
      labels: [{ featureIndex: 64, labelKind: 'pos', label: 'nn' }],
    }),
    /featureIndex 64 is outside the dictionary's 64 latents/,
  );
});

test('the slice leaves out the documents the dictionary was trained on, and says so; unknown training text is said too', async () => {
  const rule = { every: 5, documents: 6, tokensPerDocument: 16 };
  const plain = await evaluationSlice(model, rule);
  // Brown documents 4, 9 and 14 are the slice's first three: trained on, they give way to 29, 34 and 39
  const held = await evaluationSlice(model, rule, undefined, { corpus: 'brown', documents: new Set([4, 9, 14, 100]) });
  assert.equal(held.documents.length, 6);
  assert.deepEqual(held.documents[0].tokens, plain.documents[3].tokens, 'document 19 comes first');
  for (const d of held.documents.slice(0, 3)) assert.notDeepEqual(d.tokens, plain.documents[0].tokens);
  assert.match(held.describe, /; 3 more the dictionary was trained on left out$/);
  const unknown = await evaluationSlice(model, rule, undefined, null);
  assert.deepEqual(unknown.documents[0].tokens, plain.documents[0].tokens);
  assert.match(unknown.describe, /does not record its training text/);
  const elsewhere = await evaluationSlice(model, rule, undefined, { corpus: 'wiki', documents: new Set([4]) });
  assert.deepEqual(elsewhere.documents[0].tokens, plain.documents[0].tokens, 'another corpus’ numbers are not Brown’s');
});

test('a transcoder is refused: the evaluations measure the reconstruction of the hook a dictionary reads', async () => {
  const sae = randomDictionary({ dIn: 128, dSae: 16, seed: 2, applyBDecToInput: false });
  sae.transcoder = { architecture: 'transcoder', dOut: 128, hookNameOut: 'blocks.0.hook_mlp_out' };
  await assert.rejects(
    evaluateDictionary({
      dictionaryId: 8,
      model,
      dictionary: new InferenceDictionary(sae),
      hook: 'blocks.0.hook_resid_mid',
      backend,
    }),
    /is a transcoder \(reads blocks\.0\.hook_resid_mid, writes blocks\.0\.hook_mlp_out\); evaluations .* do not apply to transcoders/,
  );
});
