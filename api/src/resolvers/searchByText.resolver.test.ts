// searchByText against a real server and database, on the built-in tiny LM: features ranked by their largest
// activation over the text (what analyzeText reports per token), at chosen positions, filtered by stored density,
// and refusals that name the argument.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import * as worker from '@atlas/worker';
import { ingestDictionary } from '@atlas/worker/ingest';
import { pino } from 'pino';
import { startApiServer, type ApiServer } from '../server.js';
import { randomTinyLmDictionary, trainTinyLmDictionary, TINY_HOOK, TINY_LM } from '../testing/tinyLmDictionaries.js';

let db: TestDatabase;
let api: ApiServer;
let model: worker.LoadedModel;
const dir = mkdtempSync(join(tmpdir(), 'api-search-by-text-'));
let analysed: number; // stored features, density index/100
let unanalysed: number;
let noWeights: number;
let otherHook: number; // random weights at blocks.0.hook_attn_out
const OTHER_HOOK = 'blocks.0.hook_attn_out';
const TEXT = 'The jury walked under the bridge in 1961, and Kennedy said the dogs were good.';

async function insertDictionary(
  name: string,
  dIn: number,
  nLatents: number,
  weightsPath: string | null,
  hook = TINY_HOOK,
) {
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status, weights_path)
     VALUES ($1, $2, 'topk', $3, $4, 4, 'ready', $5) RETURNING id`,
    [name, hook, dIn, nLatents, weightsPath],
  );
  return id as number;
}

before(async () => {
  db = await openTestDatabase();
  model = await worker.loadModel(TINY_LM);
  const d = model.config.dModel;
  const a = await trainTinyLmDictionary(model, dir, 'a', { dSae: 32, k: 4, seed: 1 });
  const b = await trainTinyLmDictionary(model, dir, 'b', { dSae: 16, k: 3, seed: 2 });
  analysed = await insertDictionary('tiny-a', d, 32, a);
  unanalysed = await insertDictionary('tiny-b', d, 16, b);
  noWeights = await insertDictionary('no-weights', d, 16, null);
  otherHook = await insertDictionary(
    'other-hook',
    d,
    16,
    await randomTinyLmDictionary(model, dir, 'random', { hook: OTHER_HOOK, dSae: 16, seed: 7 }),
    OTHER_HOOK,
  );
  const sae = worker.loadExternalSae(a);
  await ingestDictionary(
    db,
    { id: analysed, dIn: d, nLatents: 32 },
    Array.from({ length: 32 }, (_, i) => ({
      index: i,
      decoder: sae.wDec.subarray(i * d, (i + 1) * d),
      density: i / 100,
      meanActivation: 1,
      maxActivation: 2,
      histogram: null,
      label: `tiny feature ${i}`,
      labelScores: null,
      logits: null,
      mapX: null,
      mapY: null,
      neighbors: null,
    })),
    () => [],
  );
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
  worker.disposeModel(model);
  rmSync(dir, { recursive: true, force: true });
});

async function gql(query: string, variables: Record<string, unknown>): Promise<any> {
  // any: shapes vary per query
  const res = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

const SEARCH = `query($t: String!, $ds: [ID!]!, $n: Int!, $b: Boolean!, $md: Float, $p: [Int!]) {
  searchByText(text: $t, dictionaryIds: $ds, first: $n, ignoreBos: $b, maxDensity: $md, positions: $p) {
    modelName tokens elapsedMs
    features { dictionaryId index maxActivation position activations feature { label density } } } }`;
const search = (vars: Record<string, unknown> = {}) =>
  gql(SEARCH, { t: TEXT, ds: [String(analysed), String(unanalysed)], n: 100, b: true, ...vars });

type Hit = {
  dictionaryId: string;
  index: number;
  maxActivation: number;
  position: number;
  activations: number[];
  feature: { label: string; density: number } | null;
};

/** Per (dictionary, feature): its activation at each token, from analyzeText (every active feature per token). */
async function perToken(ds: number[]): Promise<Map<string, number[]>> {
  const { data } = await gql(
    `query($t: String!, $ds: [ID!]!) { analyzeText(text: $t, dictionaryIds: $ds, topK: 50) {
      tokens { position features { dictionaryId index activation } } } }`,
    { t: TEXT, ds: ds.map(String) },
  );
  const tokens = data.analyzeText.tokens as {
    position: number;
    features: { dictionaryId: string; index: number; activation: number }[];
  }[];
  const out = new Map<string, number[]>();
  for (const t of tokens)
    for (const f of t.features) {
      const key = `${f.dictionaryId}:${f.index}`;
      if (!out.has(key)) out.set(key, new Array<number>(tokens.length).fill(0));
      out.get(key)![t.position] = f.activation;
    }
  return out;
}

test('searchByText ranks every active feature of both dictionaries by its largest activation on the text', async () => {
  const { data, errors } = await search();
  assert.equal(errors, undefined, JSON.stringify(errors));
  const r = data.searchByText;
  assert.equal(r.modelName, TINY_LM);
  assert.equal(r.tokens.join(''), TEXT);
  const want = await perToken([analysed, unanalysed]);
  const hits = r.features as Hit[];
  assert.equal(hits.length, [...want.values()].filter((a) => Math.max(...a) > 0).length);
  hits.forEach((h, i) => {
    const acts = want.get(`${h.dictionaryId}:${h.index}`)!;
    assert.deepEqual(h.activations, acts);
    assert.equal(h.maxActivation, Math.max(...acts));
    assert.equal(h.position, acts.indexOf(h.maxActivation));
    if (i > 0) assert.ok(hits[i - 1].maxActivation >= h.maxActivation, 'largest first');
    assert.deepEqual(h.feature?.label ?? null, h.dictionaryId === String(analysed) ? `tiny feature ${h.index}` : null);
  });
  assert.equal(new Set(hits.map((h) => h.dictionaryId)).size, 2, 'both dictionaries in one ranking');
  const top3 = (await search({ n: 3 })).data.searchByText.features as Hit[];
  assert.deepEqual(top3, hits.slice(0, 3));
});

test('searchByText runs dictionaries at different hooks of one model, one analysis per hook, in one ranking', async () => {
  const { data, errors } = await search({ ds: [String(analysed), String(otherHook)] });
  assert.equal(errors, undefined, JSON.stringify(errors));
  const hits = data.searchByText.features as Hit[];
  const want = new Map([...(await perToken([analysed])), ...(await perToken([otherHook]))]);
  assert.equal(hits.length, [...want.values()].filter((a) => Math.max(...a) > 0).length);
  for (const h of hits) assert.deepEqual(h.activations, want.get(`${h.dictionaryId}:${h.index}`));
  assert.deepEqual(new Set(hits.map((h) => h.dictionaryId)), new Set([String(analysed), String(otherHook)]));
  assert.ok(hits.every((h, i) => i === 0 || hits[i - 1].maxActivation >= h.maxActivation));
});

test('searchByText at chosen positions ranks by the activation there; maxDensity leaves out dense features', async () => {
  const all = (await search()).data.searchByText.features as Hit[];
  const at = (await search({ p: [2, 5] })).data.searchByText.features as Hit[];
  const want = all
    .map((h) => ({ ...h, maxActivation: Math.max(h.activations[2], h.activations[5]) }))
    .filter((h) => h.maxActivation > 0)
    .sort(
      (a, b) =>
        b.maxActivation - a.maxActivation || Number(a.dictionaryId) - Number(b.dictionaryId) || a.index - b.index,
    );
  assert.deepEqual(
    at.map((h) => [h.dictionaryId, h.index, h.maxActivation]),
    want.map((h) => [h.dictionaryId, h.index, h.maxActivation]),
  );
  assert.ok(at.every((h) => h.position === 2 || h.position === 5));

  const sparse = (await search({ md: 0.1 })).data.searchByText.features as Hit[];
  assert.ok(sparse.length > 0);
  assert.ok(sparse.every((h) => h.dictionaryId === String(analysed) && h.feature!.density <= 0.1));
  assert.deepEqual(
    sparse,
    all.filter((h) => h.dictionaryId === String(analysed) && h.index <= 10),
  );
});

test('searchByText refuses bad input with BAD_USER_INPUT naming the argument', async () => {
  const refusal = async (vars: Record<string, unknown>, pattern: RegExp, code = 'BAD_USER_INPUT') => {
    const { errors } = await search(vars);
    assert.ok(errors?.[0], `expected an error for ${JSON.stringify(vars)}`);
    assert.match(errors[0].message, pattern);
    assert.equal(errors[0].extensions.code, code, errors[0].message);
  };
  await refusal({ b: false }, /ignoreBos: false is not offered/);
  await refusal({ md: 2 }, /maxDensity must be a fraction from 0 to 1/);
  await refusal({ n: 0 }, /first must be an integer from 1 to 100/);
  await refusal({ p: [] }, /positions is empty/);
  await refusal({ p: [-1] }, /positions: -1 is not a token position/);
  await refusal({ p: [500] }, /positions: 500 is out of range; the text has \d+ tokens/);
  await refusal({ ds: [] }, /dictionaryIds must name 1 to 16/);
  await refusal({ ds: [String(noWeights)] }, /has no weights on this server/);
  await refusal({ ds: ['999999'] }, /no dictionary 999999/, 'NOT_FOUND');
  await refusal({ t: ' ' }, /text is empty/);
});
