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
