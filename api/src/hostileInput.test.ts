// Hostile argument values (issue 13, item 5): a NUL or other control character, a lone surrogate or an over-long
// string in any string argument, and a number outside float32 in any Float argument, of every operation (derived from
// the schema), answer BAD_USER_INPUT naming the argument, before anything runs or is written. Values that are
// awkward but fine (negative zero, float32's extremes, tab and newline) still get answers, and right ones.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { pino } from 'pino';
import { MAX_ARGUMENT_CHARS } from './argumentValues.js';
import { createApiKey } from './auth/apiKeys.js';
import { buildApiSchema } from './buildApiSchema.js';
import { startApiServer, type ApiServer } from './server.js';
import { featureId } from './services/globalId.js';
import { D_IN, loadFixtureAtlas, type FixtureAtlas } from './testing/fixtureAtlas.js';
import { hostileRequests, send, type HostileRequestGenerator } from './testing/hostileRequests.js';

let db: TestDatabase;
let api: ApiServer;
let atlas: FixtureAtlas;
let key: string;
let generator: HostileRequestGenerator;
const logged: string[] = [];

before(async () => {
  db = await openTestDatabase();
  atlas = await loadFixtureAtlas(db);
  key = (await createApiKey(db.dataSource, 'hostile')).key;
  const log = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
  api = await startApiServer({ dataSource: db.dataSource, log, host: '127.0.0.1', port: 0, maxBodyBytes: 1_000_000 });
  generator = hostileRequests(await buildApiSchema(), {
    dictionaryIds: [String(atlas.narrow), String(atlas.wide)],
    nodeIds: [featureId(atlas.narrow, 1), featureId(atlas.wide, 3)],
    dIn: D_IN,
  });
});

after(async () => {
  await api.stop();
  await db.close();
});

async function gql(query: string, variables: Record<string, unknown> = {}, authorization?: string) {
  const res = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
    body: JSON.stringify({ query, variables }),
  });
  // any: answers of many shapes, checked field by field below
  return { status: res.status, ...((await res.json()) as { data?: any; errors?: any[] }) };
}

const HOSTILE: { kind: 'string' | 'float'; value: unknown; says: RegExp }[] = [
  { kind: 'string', value: 'the\u0000', says: /control character U\+0000 at character 4; remove it/ },
  { kind: 'string', value: 'a\u001bb', says: /control character U\+001B at character 2/ },
  { kind: 'string', value: 'x\ud800', says: /lone UTF-16 surrogate \(U\+D800\) at character 2.*well-formed Unicode/ },
  { kind: 'string', value: 'x'.repeat(MAX_ARGUMENT_CHARS + 1), says: /is 32,769 characters long; .*at most 32,768/ },
  { kind: 'float', value: 1e308, says: /is 1e\+308, outside the float32 range .*send a value in that range/ },
  { kind: 'float', value: -Number.MAX_VALUE, says: /is -1\.79\d+e\+308, outside the float32 range/ },
  { kind: 'float', value: Number.MIN_VALUE, says: /is 5e-324, outside the float32 range/ },
  { kind: 'float', value: 3.5e38, says: /is 3\.5e\+38, outside the float32 range/ },
];

for (const { kind, value, says } of HOSTILE)
  test(`${kind} ${JSON.stringify(String(value).slice(0, 12))}… in every ${kind} argument of every operation: BAD_USER_INPUT naming it`, async () => {
    const requests = generator.eachLeaf(kind, value);
    assert.ok(requests.length >= (kind === 'string' ? 50 : 10), `only ${requests.length} ${kind} arguments`);
    const operations = new Set<string>();
    for (const r of requests) {
      operations.add(r.field);
      const answer = await send(api.graphqlUrl, r, r.operation === 'mutation' ? `Bearer ${key}` : undefined);
      const where = r.hostile[0];
      const first = answer.errors?.[0];
      assert.equal(first?.extensions?.code, 'BAD_USER_INPUT', `${where}: ${JSON.stringify(answer).slice(0, 400)}`);
      assert.ok(first.message.startsWith(where), `message does not name ${where}: ${first.message}`);
      assert.match(first.message, says);
      assert.equal(answer.errors!.length, 1);
      assert.equal(answer.data ?? null, null, `${where}: nothing may run`);
      if (r.operation !== 'subscription') assert.equal(answer.status, 400);
    }
    if (kind === 'string')
      for (const op of ['searchFeatures', 'featuresByToken', 'features', 'setExplanation', 'jobUpdates', 'importSae'])
        assert.ok(operations.has(op), op);
    assert.deepEqual(logged, [], 'nothing reached the internal-error log');
  });

test('the cases found by hand: NUL in search, token, filters and explanations; 1e308 as densityMin and in an exact vector', async () => {
  const d = String(atlas.narrow);
  const cases: [string, Record<string, unknown>, string, string?][] = [
    [`query($q: String!) { searchFeatures(query: $q) { score } }`, { q: 'verb\u0000' }, 'searchFeatures(query)'],
    [`query($t: String!) { featuresByToken(token: $t) { token } }`, { t: '\u0000the' }, 'featuresByToken(token)'],
    [
      `query($d: ID!, $t: String) { features(dictionaryId: $d, filter: { text: $t }) { totalCount } }`,
      { d, t: 'noun\u0000' },
      'features(filter.text)',
    ],
    [
      `query($d: ID!, $t: String) { features(dictionaryId: $d, filter: { posTag: $t }) { totalCount } }`,
      { d, t: 'NN\u0000' },
      'features(filter.posTag)',
    ],
    [
      `mutation($d: ID!, $t: String!) { setExplanation(dictionaryId: $d, index: 1, text: $t) { id } }`,
      { d, t: 'fires on\u0000determiners' },
      'setExplanation(text)',
      `Bearer ${key}`,
    ],
    [
      `query($d: ID!) { features(dictionaryId: $d, filter: { densityMin: 1e308 }) { totalCount } }`,
      { d },
      'features(filter.densityMin)',
    ],
    [
      `query($d: [ID!]!) { similarFeatures(vector: [1e308, 0, 0, 0], dictionaryIds: $d, exact: true) { cosine } }`,
      { d: [d] },
      'similarFeatures(vector[0])',
    ],
    // Inline in the document rather than in variables: the same check.
    [`{ searchFeatures(query: "verb\\u0000") { score } }`, {}, 'searchFeatures(query)'],
  ];
  const explanations = async () => (await db.dataSource.query('SELECT count(*)::int AS n FROM explanations'))[0].n;
  const before = await explanations();
  for (const [query, variables, where, authorization] of cases) {
    const r = await gql(query, variables, authorization);
    assert.equal(r.status, 400, query);
    assert.equal(r.errors?.[0].extensions.code, 'BAD_USER_INPUT', `${query}: ${JSON.stringify(r)}`);
    assert.ok(r.errors![0].message.startsWith(`${where} `), r.errors![0].message);
    assert.deepEqual(Object.keys(r.errors![0].extensions), ['code'], 'no http status leaks into extensions');
  }
  assert.equal(await explanations(), before, 'nothing half-written');
  assert.deepEqual(logged, []);
});

test('awkward but valid values get answers: negative zero, float32 extremes, tab and newline, huge or tiny vectors', async () => {
  const d = String(atlas.narrow);
  const count = (filter: string) =>
    gql(`query($d: ID!) { features(dictionaryId: $d, filter: ${filter}) { totalCount } }`, { d });
  // Densities of the fixture are (i + 1) / 100 for i < 8: all of them are ≥ -0 and ≤ float32's largest value.
  assert.equal((await count('{ densityMin: -0.0 }')).data.features.totalCount, 8);
  assert.equal((await count('{ densityMax: 3.4028234663852886e38 }')).data.features.totalCount, 8);
  assert.equal((await count('{ densityMin: 0.05, maxActivationMin: -3.4e38 }')).data.features.totalCount, 4);
  const body = JSON.stringify({
    query: `query($d: ID!, $x: Float) { features(dictionaryId: $d, filter: { densityMin: $x }) { totalCount } }`,
    variables: { d, x: 0 },
  }).replace('"x":0', '"x":-0');
  const negativeZero = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  assert.deepEqual(await negativeZero.json(), { data: { features: { totalCount: 8 } } });

  // Cosine ignores length: a vector of float32's largest values, or of tiny ones, finds the same neighbours as a
  // unit one. (Unnormalised, pgvector's float32 sums overflowed to cosine 0 and underflowed to NaN.)
  const similar = async (vector: number[], exact: boolean) =>
    (
      await gql(
        `query($v: [Float!], $d: [ID!]!, $e: Boolean!) { similarFeatures(vector: $v, dictionaryIds: $d, exact: $e, k: 3) { cosine feature { index } } }`,
        { v: vector, d: [d], e: exact },
      )
    ).data?.similarFeatures;
  for (const exact of [true, false]) {
    const unit = await similar([1, 0, 0, 0], exact);
    assert.equal(unit[0].feature.index, 0);
    assert.equal(unit[0].cosine, 1);
    assert.deepEqual(await similar([3e38, 0, 0, 0], exact), unit);
    assert.deepEqual(await similar([1e-30, 0, 0, 0], exact), unit);
    const diagonal = await similar([3e38, 3e38, 3e38, 3e38], exact);
    assert.ok(Math.abs(diagonal[0].cosine - 0.5) < 1e-6, JSON.stringify(diagonal));
  }

  const r = await gql(
    `mutation($d: ID!, $t: String!) { setExplanation(dictionaryId: $d, index: 2, text: $t) { text } }`,
    { d, t: 'plural nouns,\tcounted\nacross lines' },
    `Bearer ${key}`,
  );
  assert.equal(r.data.setExplanation.text, 'plural nouns,\tcounted\nacross lines');
  assert.deepEqual(logged, []);
});

test('forged cursors (values no sort column holds) are refused as not a cursor of this list', async () => {
  const d = String(atlas.narrow);
  const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  for (const [orderBy, after] of [
    ['DENSITY_DESC', cursor([1e308, 1])],
    ['DENSITY_ASC', cursor([5e-324, 1])],
    ['INDEX', cursor([1.5, 1])],
    ['INDEX', cursor([1, 1e308])],
    ['MAX_ACTIVATION_DESC', cursor([1, -1])],
  ]) {
    const r = await gql(
      `query($d: ID!, $a: String, $o: FeatureOrder!) { features(dictionaryId: $d, after: $a, orderBy: $o) { totalCount } }`,
      { d, a: after, o: orderBy },
    );
    assert.equal(r.errors?.[0].extensions.code, 'BAD_USER_INPUT', `${orderBy} ${after}: ${JSON.stringify(r)}`);
    assert.match(r.errors![0].message, /is not a cursor from this list; pass pageInfo.endCursor/);
  }
  // A real cursor of a float sort still pages on.
  const first = await gql(
    `query($d: ID!) { features(dictionaryId: $d, first: 3, orderBy: DENSITY_DESC) { pageInfo { endCursor } } }`,
    { d },
  );
  const next = await gql(
    `query($d: ID!, $a: String) { features(dictionaryId: $d, first: 3, after: $a, orderBy: DENSITY_DESC) { edges { node { index } } } }`,
    { d, a: first.data.features.pageInfo.endCursor },
  );
  assert.deepEqual(
    next.data.features.edges.map((e: { node: { index: number } }) => e.node.index),
    [4, 3, 2],
  );
  assert.deepEqual(logged, []);
});
