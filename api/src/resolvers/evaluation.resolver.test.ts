// Evaluations through the api on a real database (issue 17): a dictionary's rows, a comparison of dictionaries,
// a feature's held-out label scores, and the feature list sorted and filtered by the best held-out F1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EVALUATION_PROVENANCE, loadEvaluationAtlas, type EvaluationAtlas } from '../testing/evaluationAtlas.js';
import { recordStatements } from '../testing/sqlStatements.js';
import { startAtlasTestApi, UNCACHED, type AtlasTestApi } from '../testing/testApi.js';

let t: AtlasTestApi<EvaluationAtlas>;
before(async () => {
  t = await startAtlasTestApi(loadEvaluationAtlas, UNCACHED); // counts statements of executions
});
after(() => t.close());

test("a dictionary's evaluations: every row with its provenance, or one kind's", async () => {
  const { dictionary } = await t.data(
    `query($id: ID!) { dictionary(id: $id) {
        all: evaluations { kind metric subject value }
        probing: evaluations(kind: SPARSE_PROBING) { metric subject value settings corpusSlice model codeVersion createdAt } } }`,
    { id: String(t.atlas.narrow) },
  );
  assert.deepEqual(dictionary.all, [
    { kind: 'ABSORPTION', metric: 'mean_absorption_fraction', subject: null, value: 0.125 },
    { kind: 'ABSORPTION', metric: 'mean_absorption_fraction', subject: 'nn', value: 0.25 },
    { kind: 'ABSORPTION', metric: 'mean_absorption_fraction', subject: 'vb', value: 0 },
    { kind: 'CORE', metric: 'ce_loss_score', subject: null, value: 0.75 },
    { kind: 'CORE', metric: 'fvu', subject: null, value: 0.25 },
    { kind: 'CORE', metric: 'l0', subject: null, value: 2 },
    { kind: 'SPARSE_PROBING', metric: 'genre.sae_top_1_test_accuracy', subject: null, value: 0.625 },
    { kind: 'SPARSE_PROBING', metric: 'genre.sae_top_1_test_accuracy', subject: 'fiction', value: 0.5 },
    { kind: 'SPARSE_PROBING', metric: 'genre.sae_top_1_test_accuracy', subject: 'news', value: 0.75 },
    { kind: 'SPARSE_PROBING', metric: 'pos.sae_top_1_test_accuracy', subject: null, value: 0.6875 },
    { kind: 'SPARSE_PROBING', metric: 'pos.sae_top_1_test_accuracy', subject: 'nn', value: 0.8125 },
    { kind: 'SPARSE_PROBING', metric: 'pos.sae_top_1_test_accuracy', subject: 'vb', value: 0.5625 },
  ]);
  assert.equal(dictionary.probing.length, 6);
  const { createdAt, ...rest } = dictionary.probing[4];
  assert.deepEqual(rest, {
    metric: 'pos.sae_top_1_test_accuracy',
    subject: 'nn',
    value: 0.8125,
    ...EVALUATION_PROVENANCE,
  });
  assert.ok(Math.abs(Date.parse(createdAt) - Date.now()) < 10 * 60_000, `createdAt ${createdAt} is recent`);
});

test('compareDictionaries: identities and evaluations in the order asked, in a constant number of statements', async () => {
  const query = `query($ids: [ID!]!) { compareDictionaries(ids: $ids) {
      models mixedModels
      dictionaries { id name modelName hookPoint architecture nLatents k evaluations(kind: CORE) { metric value } } } }`;
  const { result, statements } = await recordStatements(() =>
    t.data(query, { ids: [String(t.atlas.wide), String(t.atlas.narrow)] }),
  );
  assert.deepEqual(result.compareDictionaries, {
    models: ['tiny-lm'],
    mixedModels: false,
    dictionaries: [
      {
        id: String(t.atlas.wide),
        name: 'wide-16',
        modelName: 'tiny-lm',
        hookPoint: 'blocks.0.mlp.hook_post',
        architecture: 'topk',
        nLatents: 16,
        k: 2,
        evaluations: [
          { metric: 'ce_loss_score', value: 0.875 },
          { metric: 'fvu', value: 0.125 },
          { metric: 'l0', value: 4 },
        ],
      },
      {
        id: String(t.atlas.narrow),
        name: 'narrow-8',
        modelName: 'tiny-lm',
        hookPoint: 'blocks.0.mlp.hook_post',
        architecture: 'topk',
        nLatents: 8,
        k: 2,
        evaluations: [
          { metric: 'ce_loss_score', value: 0.75 },
          { metric: 'fvu', value: 0.25 },
          { metric: 'l0', value: 2 },
        ],
      },
    ],
  });
  assert.equal(statements.filter((s) => /FROM evaluations/.test(s)).length, 1, statements.join('\n'));

  const mixed = await t.data(query, { ids: [String(t.atlas.narrow), String(t.atlas.other)] });
  assert.deepEqual(mixed.compareDictionaries.models, ['tiny-lm', 'other-lm']);
  assert.equal(mixed.compareDictionaries.mixedModels, true);
  assert.deepEqual(mixed.compareDictionaries.dictionaries[1].evaluations, []);
});

test('compareDictionaries refuses an unknown id, a malformed one, and too many, naming the argument', async () => {
  const refusal = async (ids: string[]) => {
    const body = await t.post(`query($ids: [ID!]!) { compareDictionaries(ids: $ids) { mixedModels } }`, { ids });
    assert.equal(body.errors?.length, 1, JSON.stringify(body));
    assert.equal(body.errors![0].extensions.code, 'BAD_USER_INPUT');
    return body.errors![0].message as string;
  };
  assert.equal(
    await refusal([String(t.atlas.narrow), '999999']),
    'ids[1]: no dictionary 999999; list them with { dictionaries { id name } }.',
  );
  assert.match(await refusal(['x']), /^ids\[0\] "x" is not a dictionary id/);
  assert.match(
    await refusal(Array.from({ length: 51 }, () => String(t.atlas.narrow))),
    /^ids: give 1 to 50 dictionary ids \(got 51\)/,
  );
  assert.match(await refusal([]), /^ids: give 1 to 50 dictionary ids \(got 0\)/);
});

test("a feature's held-out label scores, best F1 first; empty where none were scored", async () => {
  const { a, b } = await t.data(
    `query($d: ID!) {
       a: feature(dictionaryId: $d, index: 3) { heldOutLabelScores { labelKind label name precision recall f1 rocAuc positives tokens } }
       b: feature(dictionaryId: $d, index: 1) { heldOutLabelScores { label } } }`,
    { d: String(t.atlas.narrow) },
  );
  assert.deepEqual(
    a.heldOutLabelScores.map((s: { label: string }) => s.label),
    ['in', ' under'],
  );
  assert.deepEqual(a.heldOutLabelScores[0], {
    labelKind: 'pos',
    label: 'in',
    name: 'preposition (in)',
    precision: 0.5,
    recall: 0.25,
    f1: 0.9,
    rocAuc: 0.875,
    positives: 40,
    tokens: 1000,
  });
  assert.deepEqual(b.heldOutLabelScores, []);
});

test('the feature list sorts by the best held-out F1 (unscored last) across pages, and filters on it', async () => {
  const page = (after: string | null) =>
    t.data(
      `query($d: ID!, $after: String) { features(dictionaryId: $d, orderBy: BEST_HELD_OUT_F1_DESC, first: 3, after: $after) {
          edges { node { index } } pageInfo { hasNextPage endCursor } totalCount } }`,
      { d: String(t.atlas.narrow), after },
    );
  const order: number[] = [];
  let after: string | null = null;
  for (;;) {
    const { features } = await page(after);
    order.push(...features.edges.map((e: { node: { index: number } }) => e.node.index));
    if (!features.pageInfo.hasNextPage) break;
    after = features.pageInfo.endCursor;
  }
  assert.deepEqual(order, [3, 5, 6, 0, 1, 2, 4, 7]);

  const { features, featureMap } = await t.data(
    `query($d: ID!) {
       features(dictionaryId: $d, filter: { bestHeldOutF1Min: 0.7 }, orderBy: INDEX) { edges { node { index } } totalCount }
       featureMap(dictionaryId: $d, filter: { bestHeldOutF1Min: 0.7 }) { indices matches } }`,
    { d: String(t.atlas.narrow) },
  );
  assert.deepEqual(
    features.edges.map((e: { node: { index: number } }) => e.node.index),
    [3, 5, 6],
  );
  assert.equal(features.totalCount, 3);
  const matched = featureMap.indices.filter((_: number, i: number) => featureMap.matches[i]);
  assert.deepEqual(matched, [3, 5, 6]);

  const bad = await t.post(
    `query($d: ID!) { features(dictionaryId: $d, filter: { bestHeldOutF1Min: 1.5 }) { totalCount } }`,
    { d: String(t.atlas.narrow) },
  );
  assert.equal(bad.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.equal(bad.errors?.[0].message, 'filter.bestHeldOutF1Min must be a number from 0 to 1 (got 1.5).');
});
