// The analysed figures beside the training ones (issue 13, item 12): how many features never fired on the
// analysed tokens and how many fired only a few times; and the map's matches for the feature table's filter.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import type { ApiServer } from '../server.js';
import { startTestApi, UNCACHED, type TestApi } from '../testing/testApi.js';
import { loadFixtureAtlas, type FixtureAtlas } from '../testing/fixtureAtlas.js';
import { recordStatements } from '../testing/sqlStatements.js';

let db: TestDatabase;
let api: ApiServer;
let testApi: TestApi;
let atlas: FixtureAtlas;
let trainedOnly: number;

before(async () => {
  db = await openTestDatabase();
  atlas = await loadFixtureAtlas(db);
  // The narrow dictionary as an analysis of 5,000 tokens left it: feature 7 never fired, feature 6 fired twice
  // (density 2 / 5,000); the others fired on 1% to 6% (50 to 300 times). Training saw no dead latent.
  await db.dataSource.query(
    `UPDATE dictionaries SET metrics = metrics || '{"deadFraction": 0, "tokensAnalyzed": 5000, "mapMethod": "umap"}'
     WHERE id = $1`,
    [atlas.narrow],
  );
  await db.dataSource.query(`UPDATE features SET density = 0 WHERE dictionary_id = $1 AND index = 7`, [atlas.narrow]);
  await db.dataSource.query(`UPDATE features SET density = 0.0004 WHERE dictionary_id = $1 AND index = 6`, [
    atlas.narrow,
  ]);
  trainedOnly = (
    await db.dataSource.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status, metrics)
       VALUES ('trained-only', 'blocks.0.mlp.hook_post', 'topk', 4, 8, 2, 'trained', '{"deadFraction": 0.25}') RETURNING id`,
    )
  )[0].id;
  testApi = await startTestApi(db, UNCACHED); // counts statements of executions
  api = testApi.api;
});

after(async () => {
  await api.stop();
  await db.close();
});

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  // any: shapes vary per query
  const body = await testApi.post(query, variables);
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

test('every dictionary: training dead fraction beside the analysed never-fired and rare counts, in one statement', async () => {
  const { result, statements } = await recordStatements(() =>
    gql(`{ dictionaries { id metrics { deadFraction } analysis { tokens mapMethod neverFired rarelyFired } } }`),
  );
  const byId = new Map(result.dictionaries.map((d: { id: string }) => [Number(d.id), d]));
  assert.deepEqual(byId.get(atlas.narrow), {
    id: String(atlas.narrow),
    metrics: { deadFraction: 0 },
    analysis: { tokens: 5000, mapMethod: 'umap', neverFired: 1, rarelyFired: 1 },
  });
  // Analysed before the token count was recorded: the never-fired count still comes from the features.
  assert.deepEqual(byId.get(atlas.wide), {
    id: String(atlas.wide),
    metrics: { deadFraction: null },
    analysis: { tokens: null, mapMethod: null, neverFired: 0, rarelyFired: null },
  });
  assert.deepEqual(byId.get(trainedOnly), { id: String(trainedOnly), metrics: { deadFraction: 0.25 }, analysis: null });
  assert.equal(statements.filter((s) => /FROM unnest/.test(s)).length, 1, statements.join('\n'));
});

test('featureMap marks the points that pass the feature list filter, and only when one is given', async () => {
  const q = `query($d: ID!, $f: FeatureFilter) { featureMap(dictionaryId: $d, filter: $f) { indices matches } }`;
  const d = String(atlas.narrow);
  const all = await gql(q, { d });
  assert.deepEqual(all.featureMap.indices, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(all.featureMap.matches, null);
  assert.equal((await gql(q, { d, f: {} })).featureMap.matches, null);
  const comma = await gql(q, { d, f: { text: 'COMMA' } });
  assert.deepEqual(comma.featureMap.matches, [false, false, false, false, true, false, false, false]);
  // Densities 1%..6%, then 0.04% (index 6) and 0 (index 7), as set above.
  const dense = await gql(q, { d, f: { densityMin: 0.03, densityMax: 0.05 } });
  assert.deepEqual(dense.featureMap.matches, [false, false, true, true, true, false, false, false]);
  // The same filter, the same features as the list.
  const list = await gql(
    `query($d: ID!, $f: FeatureFilter) { features(dictionaryId: $d, filter: $f) { edges { node { index } } } }`,
    { d, f: { densityMin: 0.03, densityMax: 0.05 } },
  );
  assert.deepEqual(
    list.features.edges.map((e: { node: { index: number } }) => e.node.index),
    [2, 3, 4],
  );
  // An explanation matches too (feature 3 has one about spatial prepositions).
  const explained = await gql(q, { d, f: { text: 'spatial' } });
  assert.deepEqual(explained.featureMap.matches, [false, false, false, true, false, false, false, false]);
});
