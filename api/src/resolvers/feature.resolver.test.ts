import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { recordStatements } from '../testing/sqlStatements.js';
import type { ApiServer } from '../server.js';
import { startTestApi, UNCACHED, type TestApi } from '../testing/testApi.js';
import { loadFixtureAtlas, type FixtureAtlas } from '../testing/fixtureAtlas.js';

let db: TestDatabase;
let api: ApiServer;
let testApi: TestApi;
let atlas: FixtureAtlas;

before(async () => {
  db = await openTestDatabase();
  atlas = await loadFixtureAtlas(db);
  testApi = await startTestApi(db, UNCACHED); // counts statements of executions
  api = testApi.api;
});

after(async () => {
  await api.stop();
  await db.close();
});

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  // any: shapes vary per query
  return testApi.post(query, variables);
}

test('feature: stats, histogram, logits, top activations strongest first, quantile bins weakest first', async () => {
  const { data } = await gql(
    `query($d: ID!) { feature(dictionaryId: $d, index: 3) {
        id index label density maxActivation histogram { edges counts } logits { positive { token value } negative { token } }
        topActivations(first: 3) { tokens activations maxActivation maxPosition docIndex tokenStart }
        quantileExamples(perBin: 1) { bin examples { maxActivation tokens } } } }`,
    { d: String(atlas.narrow) },
  );
  const f = data.feature;
  assert.equal(f.label, 'preposition of place');
  assert.ok(Math.abs(f.density - 0.04) < 1e-6);
  assert.deepEqual(f.histogram, { edges: [0.1, 1, 10], counts: [3, 6] });
  assert.deepEqual(f.logits, { positive: [{ token: ' under', value: 2.5 }], negative: [{ token: ' zzz' }] });
  assert.deepEqual(
    f.topActivations.map((e: { maxActivation: number }) => e.maxActivation),
    [10, 9, 8],
  );
  assert.deepEqual(f.topActivations[0].tokens, [' He', ' then', ' under', ' away', '.']);
  assert.equal(f.topActivations[0].activations[f.topActivations[0].maxPosition], 10);
  assert.deepEqual(
    f.quantileExamples.map((b: { bin: number; examples: { maxActivation: number }[] }) => [
      b.bin,
      b.examples[0].maxActivation,
    ]),
    [
      [0, 1],
      [1, 2],
      [2, 3],
    ],
  );
  const again = await gql(`query($id: ID!) { node(id: $id) { index label } }`, { id: f.id });
  assert.deepEqual(again.data.node, { index: 3, label: 'preposition of place' });
});

test('features: cursor pagination covers every feature once; sorting and filters', async () => {
  const seen: number[] = [];
  let after: string | null = null;
  for (let page = 0; page < 5; page++) {
    const { data, errors }: any = await gql(
      `query($d: ID!, $after: String) { features(dictionaryId: $d, first: 3, after: $after, orderBy: DENSITY_DESC) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { index density } } } }`,
      { d: String(atlas.narrow), after },
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    assert.equal(data.features.totalCount, 8);
    seen.push(...data.features.edges.map((e: { node: { index: number } }) => e.node.index));
    if (!data.features.pageInfo.hasNextPage) break;
    after = data.features.pageInfo.endCursor;
  }
  assert.deepEqual(seen, [7, 6, 5, 4, 3, 2, 1, 0]);
  const byText = await gql(
    `query($d: ID!) { features(dictionaryId: $d, filter: { text: "PREP" }) { totalCount edges { node { index } } } }`,
    { d: String(atlas.narrow) },
  );
  assert.deepEqual(
    byText.data.features.edges.map((e: any) => e.node.index),
    [3],
  );
  const byExplanation = await gql(
    `query($d: ID!) { features(dictionaryId: $d, filter: { text: "beneath" }) { edges { node { index } } } }`,
    { d: String(atlas.narrow) },
  );
  assert.deepEqual(
    byExplanation.data.features.edges.map((e: any) => e.node.index),
    [3],
  );
  const byTag = await gql(
    `query($d: ID!) { features(dictionaryId: $d, filter: { posTag: "VBD", densityMax: 0.05 }) { edges { node { index } } } }`,
    { d: String(atlas.wide) },
  );
  assert.deepEqual(
    byTag.data.features.edges.map((e: any) => e.node.index),
    [0],
  );
});

test('neighbours within a dictionary and across widths; the family shows the split', async () => {
  const { data } = await gql(
    `query($d: ID!, $both: [ID!]) { feature(dictionaryId: $d, index: 3) {
        own: neighbors(k: 2) { cosine feature { index dictionaryId } }
        across: neighbors(k: 2, dictionaryIds: $both) { cosine feature { index dictionaryId } }
        family { cosine feature { index dictionaryId } } } }`,
    { d: String(atlas.narrow), both: [String(atlas.narrow), String(atlas.wide)] },
  );
  const f = data.feature;
  // Narrow directions are orthogonal or opposite: the best own neighbours have cosine 0.
  assert.ok(f.own.every((n: any) => Math.abs(n.cosine) < 1e-6 && n.feature.dictionaryId === String(atlas.narrow)));
  assert.deepEqual(f.across.map((n: any) => [n.feature.dictionaryId, n.feature.index]).sort(), [
    [String(atlas.wide), 6],
    [String(atlas.wide), 7],
  ]);
  assert.ok(f.across.every((n: any) => Math.abs(n.cosine - 1 / Math.sqrt(1.04)) < 1e-3));
  assert.deepEqual(f.family.map((n: any) => n.feature.index).sort(), [6, 7]);
});

test('similarFeatures by vector and by feature, HNSW and exact agree; bad input gets clear codes', async () => {
  const q = `query($v: [Float!], $f: ID, $ds: [ID!]!, $exact: Boolean!) {
    similarFeatures(vector: $v, featureId: $f, dictionaryIds: $ds, k: 3, exact: $exact) { cosine feature { index dictionaryId } } }`;
  const ds = [String(atlas.narrow), String(atlas.wide)];
  const hnsw = await gql(q, { v: [0, 0, 0, 1], ds, exact: false });
  const exact = await gql(q, { v: [0, 0, 0, 1], ds, exact: true });
  assert.deepEqual(hnsw.data, exact.data);
  assert.deepEqual(hnsw.data.similarFeatures[0].feature, { index: 3, dictionaryId: String(atlas.narrow) });
  assert.ok(Math.abs(hnsw.data.similarFeatures[0].cosine - 1) < 1e-6);
  const id = (await gql(`query($d: ID!) { feature(dictionaryId: $d, index: 5) { id } }`, { d: ds[0] })).data.feature.id;
  const byFeature = await gql(q, { f: id, ds: [ds[0]], exact: true });
  assert.deepEqual(byFeature.data.similarFeatures[0].feature.index, 5);

  const wrongLength = await gql(q, { v: [1, 0], ds, exact: false });
  assert.equal(wrongLength.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(wrongLength.errors[0].message, /vector has 2 values but dictionary \d+ has d_in 4/);
  const missing = await gql(q, { v: [1, 0, 0, 0], ds: ['999'], exact: false });
  assert.equal(missing.errors[0].extensions.code, 'NOT_FOUND');
  const both = await gql(q, { v: [1, 0, 0, 0], f: id, ds, exact: false });
  assert.match(both.errors[0].message, /exactly one of vector or featureId/);
  const zeros = await gql(q, { v: [0, 0, 0, 0], ds, exact: false });
  assert.match(zeros.errors[0].message, /all zeros/);
});

test('featuresByToken ranks across dictionaries from the inverted index; searchFeatures finds labels and explanations', async () => {
  const all = await gql(
    `{ featuresByToken(token: "UNDER", fold: true) { token maxActivation examples feature { index dictionaryId } } }`,
  );
  const hits = all.data.featuresByToken;
  assert.deepEqual(hits[0], {
    token: ' under',
    maxActivation: 10,
    examples: 6,
    feature: { index: 3, dictionaryId: String(atlas.narrow) },
  });
  assert.deepEqual(
    hits
      .slice(1)
      .map((h: any) => h.feature.index)
      .sort((a: number, b: number) => a - b),
    [3, 11],
  );
  const wideOnly = await gql(
    `query($ds: [ID!]) { featuresByToken(token: " under", dictionaryIds: $ds) { feature { dictionaryId } } }`,
    { ds: [String(atlas.wide)] },
  );
  assert.ok(wideOnly.data.featuresByToken.every((h: any) => h.feature.dictionaryId === String(atlas.wide)));
  const search = await gql(`{ searchFeatures(query: "beneath") { score feature { index dictionaryId label } } }`);
  assert.deepEqual(search.data.searchFeatures[0].feature, {
    index: 3,
    dictionaryId: String(atlas.narrow),
    label: 'preposition of place',
  });
  const fuzzy = await gql(`{ searchFeatures(query: "quotation") { feature { label } } }`);
  assert.ok(fuzzy.data.searchFeatures.length >= 1);
  assert.ok(fuzzy.data.searchFeatures.every((h: any) => h.feature.label === 'quotation mark'));
});

test('no N+1: a page of features with examples, neighbours and family costs the same statements at any size', async () => {
  const page = (n: number) =>
    recordStatements(() =>
      gql(
        `query($d: ID!, $n: Int!) { features(dictionaryId: $d, first: $n) { edges { node {
            index topActivations(first: 20) { maxActivation } neighbors(k: 10) { cosine feature { label } } family { feature { index } }
            quantileExamples { bin } } } } }`,
        { d: String(atlas.wide), n },
      ),
    );
  const { result: small, statements: forSmall } = await page(2);
  const { result: large, statements: forLarge } = await page(16);
  assert.equal(small.data.features.edges.length, 2);
  assert.equal(large.data.features.edges.length, 16);
  // Constant, not growing with the page (a large page may even save one: its neighbours are already loaded).
  assert.ok(
    forLarge.length <= forSmall.length,
    `${forSmall.length} statements for 2 features but ${forLarge.length} for 16`,
  );
  assert.ok(forLarge.length <= 10, `${forLarge.length} statements`);
});

test('the feature page (feature, 20 top activations, 10 neighbours) costs 3 statements: no dictionary lookup', async () => {
  const { result: r, statements } = await recordStatements(() =>
    gql(
      `query($d: ID!) { feature(dictionaryId: $d, index: 3) { label topActivations(first: 20) { tokens activations }
          neighbors(k: 10) { cosine feature { index label } } } }`,
      { d: String(atlas.narrow) },
    ),
  );
  const seen = statements.map((s) => s.slice(0, 60));
  assert.equal(r.data.feature.label, 'preposition of place');
  assert.equal(r.data.feature.neighbors.length, 5);
  assert.equal(seen.length, 3, seen.join('\n'));
  assert.ok(!seen.some((s) => /dictionaries/.test(s)), seen.join('\n'));
});

test('arguments out of range are refused with the bound', async () => {
  const r = await gql(`query($d: ID!) { features(dictionaryId: $d, first: 1000) { totalCount } }`, {
    d: String(atlas.narrow),
  });
  assert.equal(r.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(r.errors[0].message, /first must be an integer from 1 to 100 \(got 1000\)/);
  const badCursor = await gql(`query($d: ID!) { features(dictionaryId: $d, after: "nope") { totalCount } }`, {
    d: String(atlas.narrow),
  });
  assert.match(badCursor.errors[0].message, /is not a cursor from this list/);
  const badId = await gql(`{ feature(dictionaryId: "x1", index: 0) { index } }`);
  assert.match(badId.errors[0].message, /dictionaryId "x1" is not a dictionary id/);
  const outOfRange = await gql(`query($d: ID!) { feature(dictionaryId: $d, index: 8) { index } }`, {
    d: String(atlas.narrow),
  });
  // Documented in the SDL: null for a missing index (issue 13 item 6; it used to answer BAD_USER_INPUT).
  assert.deepEqual(outOfRange, { data: { feature: null } });
});
