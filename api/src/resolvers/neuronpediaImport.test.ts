// A Neuronpedia export imported by the worker is served through GraphQL with the fixture's values: the feature
// page's operation (as the web sends it) on features with every optional field present and absent, Unicode and
// byte-level tokens and a 512-token window; browse-only (canAnalyzeText false) without weights.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { importNeuronpedia } from '@atlas/worker/neuronpedia';
import { longTokens, longValues, writeFixture } from '@atlas/worker/neuronpedia/testing';
import { pino } from 'pino';
import { startApiServer, type ApiServer } from '../server.js';
import { FEATURE_PAGE_QUERY } from '../testing/featurePageQuery.js';

let db: TestDatabase;
let api: ApiServer;
let id = 0;
const dir = mkdtempSync(join(tmpdir(), 'api-np-import-'));

before(async () => {
  db = await openTestDatabase();
  const folder = join(dir, 'gpt2-small', '6-res-jb');
  mkdirSync(folder, { recursive: true });
  writeFixture(folder);
  ({ dictionaryId: id } = await importNeuronpedia(db, folder, {
    weightsDir: (d) => join(dir, 'weights', String(d)),
    spillDir: join(dir, 'spill'),
  }));
  api = await startApiServer({
    dataSource: db.dataSource,
    log: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 1_000_000,
  });
});

after(async () => {
  await api?.stop();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

// any: the answer's shape is the feature page's, checked field by field below
async function featurePage(index: number): Promise<any> {
  const res = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: FEATURE_PAGE_QUERY, variables: { d: String(id), i: index } }),
  });
  const body = (await res.json()) as { data: any; errors?: unknown }; // any: see above
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

test('an imported Neuronpedia source is served through GraphQL with the values of its records', async () => {
  const { dictionary, feature } = await featurePage(0);
  assert.deepEqual(
    [dictionary.name, dictionary.nLatents, dictionary.hookPoint, dictionary.canAnalyzeText],
    ['6-res-jb', 1501, 'blocks.6.hook_resid_pre', false],
  );
  assert.equal(feature.label, 'the word café');
  assert.equal(feature.density, 0.0125);
  assert.equal(feature.maxActivation, 6.5);
  assert.equal(feature.meanActivation, null);
  assert.deepEqual(feature.histogram, { edges: [0, 1, 2, 3], counts: [10, 5, 1] });
  assert.deepEqual(feature.logits, {
    positive: [
      { token: ' café', value: 1.5 },
      { token: '😀', value: 1.25 },
      { token: '日本', value: 1 },
    ],
    negative: [
      { token: 'â', value: -2 },
      { token: 'Ġthe', value: -1.5 },
    ],
  });
  assert.deepEqual(
    feature.topActivations.map((e: { maxActivation: number; maxPosition: number; docIndex: number }) => [
      e.maxActivation,
      e.maxPosition,
      e.docIndex,
    ]),
    [
      [6.5, 300, -1],
      [2.5, 1, 41],
    ],
  );
  assert.deepEqual(feature.topActivations[0].tokens, longTokens);
  assert.deepEqual(feature.topActivations[0].activations, longValues);
  assert.deepEqual(feature.topActivations[1].tokens, [' a', 'â', 'Ġb']);
  assert.deepEqual(
    feature.quantileExamples.map((b: { bin: number; examples: { tokens: string[] }[] }) => [
      b.bin,
      b.examples.map((e) => e.tokens),
    ]),
    [
      [
        0,
        [
          ['z', ' '],
          ['x', 'y'],
        ],
      ],
      [1, [['😀', '日本']]],
    ],
  );
  assert.deepEqual(
    feature.neighbors.map((n: { cosine: number; feature: { index: number } }) => [n.feature.index, n.cosine]),
    [
      [10, 0.75],
      [2, 0.5],
    ],
  );
  // Newest first: the second record has no createdAt, so it carries its batch file's time (today), after 2024-05-01.
  assert.deepEqual(feature.explanations, [
    { text: 'emoji and 日本', source: 'human', author: 'u2', score: null },
    { text: 'the word café', source: 'gpt-4o-mini', author: 'u1', score: 0.75 },
  ]);
});

test('a feature whose record has only its key is served with empty stats', async () => {
  const { feature } = await featurePage(10);
  assert.deepEqual(
    [feature.label, feature.density, feature.maxActivation, feature.histogram, feature.logits, feature.explanations],
    [null, null, null, null, null, []],
  );
  assert.deepEqual(
    feature.topActivations.map((e: { tokens: string[]; activations: number[] }) => [e.tokens, e.activations]),
    [[['only'], [3]]],
  );
});

test('the same imported source through the REST facade answers with the values of the records it came from', async () => {
  const res = await fetch(new URL('/api/feature/gpt2-small/6-res-jb/0', api.graphqlUrl));
  const body = (await res.json()) as any; // any: Neuronpedia's Feature shape, checked field by field below
  assert.equal(res.status, 200, JSON.stringify(body));
  // Neuron fields, as the fixture's features/batch-0 record gave them (Neuronpedia's names both ways).
  assert.deepEqual(
    [body.modelId, body.layer, body.index, body.hookName],
    ['gpt2-small', '6-res-jb', '0', 'blocks.6.hook_resid_pre'],
  );
  assert.deepEqual([body.maxActApprox, body.frac_nonzero], [6.5, 0.0125]);
  assert.deepEqual(
    [body.pos_str, body.pos_values],
    [
      [' café', '😀', '日本'],
      [1.5, 1.25, 1],
    ],
  );
  assert.deepEqual(
    [body.neg_str, body.neg_values],
    [
      ['â', '\u0120the'],
      [-2, -1.5],
    ],
  );
  assert.deepEqual(
    [body.freq_hist_data_bar_heights, body.freq_hist_data_bar_values],
    [
      [10, 5, 1],
      [0.5, 1.5, 2.5],
    ],
  );
  assert.deepEqual(
    [body.logits_hist_data_bar_heights, body.logits_hist_data_bar_values],
    [
      [3, 4, 5],
      [-1, 0, 1],
    ],
  );
  assert.deepEqual(
    [body.topkCosSimIndices, body.topkCosSimValues],
    [
      [10, 2],
      [0.75, 0.5],
    ],
  );
  assert.deepEqual([body.umap_x, body.umap_y], [0.25, -0.5]);
  // Explanations: the records' author, description, score and origin (model or type) come back where they were.
  assert.deepEqual(
    body.explanations
      .slice(0, 2)
      .map((e: any) => [e.description, e.authorId, e.typeName, e.explanationModelName, e.scoreV2]), // any: as above
    [
      ['emoji and 日本', 'u2', 'human', null, null],
      ['the word café', 'u1', null, 'gpt-4o-mini', 0.75],
    ],
  );
  // Activations: the 512-token window first (the strongest), with every token and value; the quantile samples keep
  // the bounds of their bins as the records gave them only as far as the atlas keeps them (weakest..strongest peak).
  const [first, second] = body.activations;
  assert.deepEqual(
    [first.tokens, first.values, first.maxValue, first.maxValueTokenIndex],
    [longTokens, longValues, 6.5, 300],
  );
  assert.deepEqual(
    [second.tokens, second.values, second.dataIndex, second.binMin],
    [[' a', 'â', '\u0120b'], [0, 2.5, 0.25], '41', -1],
  );
  assert.deepEqual(
    body.activations.filter((a: any) => a.binMin !== -1).map((a: any) => [a.tokens, a.binMin, a.binMax]), // any: as above
    [
      [['z', ' '], 0.25, 0.375],
      [['x', 'y'], 0.25, 0.375],
      [['😀', '日本'], 1, 1],
    ],
  );
});
