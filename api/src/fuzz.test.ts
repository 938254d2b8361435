// Thousands of malformed operations, variables and bodies: every one gets a GraphQL error with a public code (never
// an internal error, which would mean an input reached code that did not check it), and the server keeps answering.
// The hostile-value fuzz derives its operations from the schema, so every argument of every operation is covered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { pino } from 'pino';
import { createApiKey } from './auth/apiKeys.js';
import { buildApiSchema } from './buildApiSchema.js';
import { startApiServer, type ApiServer } from './server.js';
import { featureId } from './services/globalId.js';
import { D_IN, loadFixtureAtlas, type FixtureAtlas } from './testing/fixtureAtlas.js';
import { hostileRequests, send } from './testing/hostileRequests.js';

let db: TestDatabase;
let api: ApiServer;
let atlas: FixtureAtlas;
let key: string;
const internal: string[] = [];

before(async () => {
  db = await openTestDatabase();
  atlas = await loadFixtureAtlas(db);
  key = (await createApiKey(db.dataSource, 'fuzzer')).key;
  const log = pino({ level: 'error' }, { write: (line: string) => internal.push(line) });
  api = await startApiServer({ dataSource: db.dataSource, log, host: '127.0.0.1', port: 0, maxBodyBytes: 50_000 });
});

after(async () => {
  await api.stop();
  await db.close();
});

let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];

const QUERIES = [
  `query($d: ID!, $i: Int!) { feature(dictionaryId: $d, index: $i) { label topActivations(first: 3) { tokens } } }`,
  `query($d: ID!, $n: Int!, $a: String) { features(dictionaryId: $d, first: $n, after: $a) { totalCount edges { cursor } } }`,
  `query($v: [Float!], $ds: [ID!]!, $k: Int!) { similarFeatures(vector: $v, dictionaryIds: $ds, k: $k) { cosine } }`,
  `query($t: String!) { featuresByToken(token: $t) { token } }`,
  `query($q: String!) { searchFeatures(query: $q) { score } }`,
  `query($id: ID!) { node(id: $id) { index } }`,
  `query($id: ID!) { job(id: $id) { state } }`,
  `mutation($d: ID!) { deleteDictionary(id: $d) }`,
];

const WEIRD: unknown[] = [
  null,
  -1,
  0,
  1e308,
  -1e308,
  2 ** 53,
  1.5,
  '',
  ' ',
  'NaN',
  '💥',
  'a'.repeat(5000),
  '%_\\',
  "' OR 1=1 --",
  [],
  [null],
  {},
  { $gt: 1 },
  true,
  '1; DROP TABLE features',
  [1, 'x'],
  ['1', '2'],
  'Feature:1:1',
  Buffer.from('Feature:999999999999:1').toString('base64url'),
];

function mutateText(q: string): string {
  const ops = [
    () => q.slice(0, Math.floor(rand() * q.length)),
    () => {
      const i = Math.floor(rand() * q.length);
      return q.slice(0, i) + pick(['{', '}', '(', ')', '$', '"', '!', '...', '@skip', '#']) + q.slice(i);
    },
    () => q.replace(/\w+/, pick(['__schema', '__typename', 'nope', 'feature', ''])),
    () => `{ ${'a: __typename '.repeat(Math.floor(rand() * 40))}}`,
    () =>
      `{ ${'features(dictionaryId: "1") { edges { node { neighbors { feature { '.repeat(4)} label ${'} } } }'.repeat(4)} }`,
    () => q.replace(/\$\w+/g, () => pick(['1', '"x"', 'null', '[1]', '{a:1}'])),
  ];
  return pick(ops)();
}

function mutateVariables(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of ['d', 'i', 'n', 'a', 'v', 'ds', 'k', 't', 'q', 'id'])
    if (rand() < 0.7)
      out[name] = rand() < 0.3 ? pick([String(atlas.narrow), 3, [String(atlas.narrow)], [0, 0, 0, 1]]) : pick(WEIRD);
  return out;
}

test('3,000 malformed requests get public errors, never an internal error, and the server keeps answering', async () => {
  const codes = new Map<string, number>();
  for (let n = 0; n < 3000; n++) {
    const kind = rand();
    let body: string;
    if (kind < 0.45) body = JSON.stringify({ query: pick(QUERIES), variables: mutateVariables() });
    else if (kind < 0.85) body = JSON.stringify({ query: mutateText(pick(QUERIES)), variables: mutateVariables() });
    else
      body = pick([
        '',
        '{',
        '[]',
        '"query"',
        '{"query": 5}',
        '{"query": null}',
        '{"variables": "x", "query": "{ health { status } }"}',
        JSON.stringify([{ query: '{ health { status } }' }]),
      ]);
    const res = await fetch(api.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.ok(res.status < 500, `status ${res.status} for ${body.slice(0, 300)}`);
    const json = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    for (const e of json.errors ?? []) {
      const code = e.extensions?.code ?? 'none';
      codes.set(code, (codes.get(code) ?? 0) + 1);
      assert.notEqual(code, 'INTERNAL_SERVER_ERROR', `internal error for ${body.slice(0, 300)}\n${internal.at(-1)}`);
    }
  }
  assert.ok(codes.get('BAD_USER_INPUT')! > 100, JSON.stringify([...codes]));
  assert.ok(codes.get('GRAPHQL_PARSE_FAILED')! > 100, JSON.stringify([...codes]));
  assert.ok(codes.get('GRAPHQL_VALIDATION_FAILED')! > 10, JSON.stringify([...codes]));
  assert.ok(codes.get('BAD_REQUEST')! > 10, JSON.stringify([...codes]));
  const health = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"query":"{ health { status } }"}',
  });
  assert.deepEqual(await health.json(), { data: { health: { status: 'ok' } } });
});

test('1,500 requests with hostile argument values, over every argument of every operation, get no internal error', async () => {
  const generator = hostileRequests(await buildApiSchema(), {
    dictionaryIds: [String(atlas.narrow), String(atlas.wide)],
    nodeIds: [featureId(atlas.narrow, 1), featureId(atlas.wide, 3), featureId(atlas.wide, 99)],
    dIn: D_IN,
  });
  const fields = new Set<string>();
  const codes = new Map<string, number>();
  for (let n = 0; n < 1500; n++) {
    const r = generator.random(n);
    fields.add(r.field);
    const what = () => `${r.field} with ${r.hostile.join(', ')}\n${r.query}\n${internal.at(-1) ?? ''}`;
    // Mutations both with a key (so they reach their resolvers) and without.
    const authorization = r.operation === 'mutation' && n % 4 !== 0 ? `Bearer ${key}` : undefined;
    // Every other subscription over HTTP, where it is not served.
    const transport = r.operation === 'subscription' && n % 2 ? 'http' : undefined;
    const { status, errors } = await send(api.graphqlUrl, r, authorization, transport);
    assert.ok(status < 500, `status ${status} for ${what()}`);
    for (const e of errors ?? []) {
      const code = e.extensions?.code ?? 'none';
      codes.set(code, (codes.get(code) ?? 0) + 1);
      assert.notEqual(code, 'INTERNAL_SERVER_ERROR', `internal error for ${what()}`);
    }
  }
  assert.ok(
    fields.has('searchFeatures') && fields.has('setExplanation') && fields.has('jobUpdates'),
    [...fields].join(),
  );
  assert.ok(codes.get('BAD_USER_INPUT')! > 300, JSON.stringify([...codes]));
});
