// The SDL, the behaviour and the messages agree (issue 13, item 6): feature(dictionaryId, index) is null for a
// missing index, node(id) takes what its description and its error say, and the operation limits speak plainly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import type { ApiServer } from './server.js';
import { startTestApi, type TestApi } from './testing/testApi.js';
import { featureId } from './services/globalId.js';
import { loadFixtureAtlas, type FixtureAtlas } from './testing/fixtureAtlas.js';

let db: TestDatabase;
let api: ApiServer;
let testApi: TestApi;
let atlas: FixtureAtlas;
let sdl: GraphQLSchema;

before(async () => {
  db = await openTestDatabase();
  atlas = await loadFixtureAtlas(db);
  testApi = await startTestApi(db);
  api = testApi.api;
  sdl = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
});

after(async () => {
  await api.stop();
  await db.close();
});

// any: answers of many shapes, checked field by field below
async function gql(query: string, variables: Record<string, unknown> = {}): Promise<{ data?: any; errors?: any[] }> {
  return testApi.post(query, variables);
}

const describe = (field: string) => sdl.getQueryType()!.getFields()[field].description ?? '';

test('feature(dictionaryId, index): null for a missing index, as its description says; NOT_FOUND for a missing dictionary', async () => {
  assert.match(
    describe('feature'),
    /null if the dictionary has no feature at that index; NOT_FOUND if there is no such dictionary/,
  );
  const d = String(atlas.narrow);
  const one = (index: number, dictionaryId = d) =>
    gql(`query($d: ID!, $i: Int!) { feature(dictionaryId: $d, index: $i) { index label } }`, {
      d: dictionaryId,
      i: index,
    });
  assert.deepEqual(await one(7), { data: { feature: { index: 7, label: 'proper noun' } } });
  for (const index of [8, 2 ** 31 - 1, -1])
    assert.deepEqual(await one(index), { data: { feature: null } }, `index ${index}`);
  const missing = await one(0, '999999');
  assert.equal(missing.errors?.[0].extensions.code, 'NOT_FOUND');
  assert.match(missing.errors![0].message, /no dictionary 999999; list them with/);
});

test('node(id): a feature by its global id or null; any other id is refused with a message that says what to use', async () => {
  assert.match(describe('node'), /A feature by its global id .* or null if there is no such feature/);
  assert.equal(String(sdl.getQueryType()!.getFields().node.type), 'Feature');
  const node = (id: string) => gql(`query($id: ID!) { node(id: $id) { index dictionaryId } }`, { id });
  assert.deepEqual(await node(featureId(atlas.wide, 3)), {
    data: { node: { index: 3, dictionaryId: String(atlas.wide) } },
  });
  assert.deepEqual(await node(featureId(atlas.wide, 16)), { data: { node: null } });
  // A dictionary's id (what its error used to suggest): refused, pointing at dictionary(id:), which does take it.
  const dictionary = await node(String(atlas.wide));
  assert.equal(dictionary.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.equal(
    dictionary.errors![0].message,
    `id "${atlas.wide}" is not a feature id; pass the id field of a Feature (a dictionary is fetched by its own id with dictionary(id:)).`,
  );
  const viaDictionary = await gql(`query($id: ID!) { dictionary(id: $id) { name } }`, { id: String(atlas.wide) });
  assert.deepEqual(viaDictionary, { data: { dictionary: { name: 'wide-16' } } });
  // The same parse, the same words, where similarFeatures takes a feature's id.
  const similar = await gql(
    `{ similarFeatures(featureId: "${atlas.wide}", dictionaryIds: ["${atlas.wide}"]) { cosine } }`,
  );
  assert.match(similar.errors![0].message, /^featureId "\d+" is not a feature id; pass the id field of a Feature/);
});

test('dictionary(id): null for a missing dictionary as described, BAD_USER_INPUT naming the argument for what is not an id', async () => {
  assert.equal(describe('dictionary'), 'A dictionary by its id, or null if there is none.');
  assert.deepEqual(await gql(`{ dictionary(id: "999999") { id } }`), { data: { dictionary: null } });
  const bad = await gql(`{ dictionary(id: "wide") { id } }`);
  assert.equal(bad.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(bad.errors![0].message, /^id "wide" is not a dictionary id; list them with/);
  // Messages name the argument they are about, in a list by its position.
  const inList = await gql(`{ searchFeatures(query: "verb", dictionaryIds: ["${atlas.narrow}", "nope"]) { score } }`);
  assert.match(inList.errors![0].message, /^dictionaryIds\[1\] "nope" is not a dictionary id/);
});

test('operation limits say what was exceeded and the fix, not "Syntax Error"', async () => {
  const aliases = await gql(`{ ${Array.from({ length: 25 }, (_, i) => `a${i}: health { status }`).join(' ')} }`);
  assert.equal(aliases.errors?.[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
  assert.equal(
    aliases.errors![0].message,
    'Aliases limit of 20 exceeded, found 25; split the operation into several requests.',
  );
  const nested = 'neighbors { feature { '.repeat(6);
  const depth = await gql(`{ feature(dictionaryId: "1", index: 0) { ${nested} index ${'} } '.repeat(6)} } }`);
  assert.equal(depth.errors?.[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
  assert.match(depth.errors![0].message, /^Query depth limit of 10 exceeded, found \d+; ask for less nested data/);
  const directives = await gql(`{ health { status ${'@include(if: true) '.repeat(25)} } }`);
  assert.match(directives.errors![0].message, /^Directives limit of 20 exceeded, found 25; use fewer directives/);
  for (const r of [aliases, depth, directives]) assert.doesNotMatch(JSON.stringify(r), /Syntax Error/);
});
