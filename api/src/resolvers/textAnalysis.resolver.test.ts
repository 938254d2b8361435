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
import { MAX_TEXT_TOKENS } from '../services/textAnalysisService.js';
import { tinyLmActivations, trainTinyLmDictionary, TINY_HOOK, TINY_LM } from '../testing/tinyLmDictionaries.js';

let db: TestDatabase;
let api: ApiServer;
let model: worker.LoadedModel;
const dir = mkdtempSync(join(tmpdir(), 'api-analyze-text-'));
const saes = new Map<number, worker.ExternalSae>();
let analysed: number; // dictionary with stored features
let unanalysed: number; // weights only
let otherHook: number;
let noWeights: number;

const TEXT = 'The jury walked under the bridge in 1961, and Kennedy said the dogs were good.';
// Longer than one window of the tiny LM (64 positions with BOS), so windowing is exercised.
const LONG_TEXT = Array.from({ length: 6 }, () => TEXT).join(' ');

async function insertDictionary(name: string, hook: string, dIn: number, nLatents: number, weightsPath: string | null) {
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
  const a = await trainTinyLmDictionary(model, dir, 'a', { dSae: 64, k: 4, seed: 1 });
  const b = await trainTinyLmDictionary(model, dir, 'b', { dSae: 32, k: 3, seed: 2 });
  analysed = await insertDictionary('tiny-a', TINY_HOOK, d, 64, a);
  unanalysed = await insertDictionary('tiny-b', TINY_HOOK, d, 32, b);
  otherHook = await insertDictionary('other-hook', 'blocks.0.mlp.hook_post', d, 32, b);
  noWeights = await insertDictionary('no-weights', TINY_HOOK, d, 32, null);
  saes.set(analysed, worker.loadExternalSae(a));
  saes.set(unanalysed, worker.loadExternalSae(b));
  const sa = saes.get(analysed)!;
  await ingestDictionary(
    db,
    { id: analysed, dIn: d, nLatents: 64 },
    Array.from({ length: 64 }, (_, i) => ({
      index: i,
      decoder: sa.wDec.subarray(i * d, (i + 1) * d),
      density: 0.01,
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

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  // any: shapes vary per query
  const res = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

const ANALYZE = `query($t: String!, $ds: [ID!]!, $k: Int!) { analyzeText(text: $t, dictionaryIds: $ds, topK: $k) {
  modelName hookPoint elapsedMs tokens { position text features { dictionaryId index activation feature { label } } } } }`;

interface Activation {
  dictionaryId: string;
  index: number;
  activation: number;
  feature: { label: string } | null;
}

/** What the worker's reference encoder gives per token for `text`: every active (dictionary, latent), strongest first. */
async function expected(text: string, ids: number[]) {
  const { acts, rows } = await tinyLmActivations(model, [text]);
  const perToken: { dictionaryId: string; index: number; activation: number }[][] = [];
  for (let t = 0; t < rows; t++) perToken.push([]);
  for (const id of ids) {
    const sae = saes.get(id)!;
    const dense = worker.encodeSaelens(sae, acts, rows);
    for (let t = 0; t < rows; t++)
      for (let l = 0; l < sae.dSae; l++)
        if (dense[t * sae.dSae + l] > 0)
          perToken[t].push({ dictionaryId: String(id), index: l, activation: dense[t * sae.dSae + l] });
  }
  for (const list of perToken) list.sort((x, y) => y.activation - x.activation);
  return perToken;
}

function assertClose(actual: Activation[], wanted: { dictionaryId: string; index: number; activation: number }[]) {
  assert.equal(actual.length, wanted.length);
  actual.forEach((a, i) => {
    const w = wanted[i];
    // Near-ties may swap between the fused kernel and the reference; compare by key, then order by value.
    const match = wanted.find((x) => x.dictionaryId === a.dictionaryId && x.index === a.index) ?? w;
    assert.equal(`${a.dictionaryId}:${a.index}`, `${match.dictionaryId}:${match.index}`);
    assert.ok(Math.abs(a.activation - match.activation) <= 1e-4 * Math.max(1, Math.abs(match.activation)));
    if (i > 0) assert.ok(actual[i - 1].activation >= a.activation, 'strongest first');
  });
}

test('analyzeText: per token, the activations the worker encoder gives, strongest first, capped at topK', async () => {
  const { data, errors } = await gql(ANALYZE, { t: LONG_TEXT, ds: [String(analysed), String(unanalysed)], k: 5 });
  assert.equal(errors, undefined, JSON.stringify(errors));
  const r = data.analyzeText;
  assert.equal(r.modelName, TINY_LM);
  assert.equal(r.hookPoint, TINY_HOOK);
  assert.ok(r.elapsedMs > 0);
  const ids = Array.from(model.tokenizer.encode(LONG_TEXT).ids);
  assert.ok(ids.length > model.config.nPositions, 'the text spans several windows');
  assert.deepEqual(
    r.tokens.map((t: { position: number; text: string }) => [t.position, t.text]),
    ids.map((id, i) => [i, model.tokenizer.tokenText(id)]),
  );
  assert.equal(r.tokens.map((t: { text: string }) => t.text).join(''), LONG_TEXT);
  const want = await expected(LONG_TEXT, [analysed, unanalysed]);
  assert.equal(want.length, ids.length);
  let both = 0;
  r.tokens.forEach((t: { features: Activation[] }, i: number) => {
    // Dictionary a fires 4 latents, b 3 (TopK, minus any non-positive), so 5 of up to 7 are kept.
    assert.equal(t.features.length, Math.min(5, want[i].length));
    assertClose(t.features, want[i].slice(0, 5));
    if (new Set(t.features.map((f) => f.dictionaryId)).size === 2) both++;
  });
  assert.ok(both > 0, 'features of both dictionaries are merged into one ranking');
});

test('analyzeText: topK keeps the strongest prefix; stored features are attached, unanalysed ones are null', async () => {
  const run = async (k: number) =>
    (await gql(ANALYZE, { t: TEXT, ds: [String(analysed), String(unanalysed)], k })).data.analyzeText.tokens as {
      features: Activation[];
    }[];
  const [one, five] = await Promise.all([run(1), run(5)]);
  one.forEach((t, i) => {
    assert.equal(t.features.length, 1);
    assert.deepEqual(t.features[0], five[i].features[0]);
  });
  for (const t of five)
    for (const f of t.features)
      assert.deepEqual(f.feature, f.dictionaryId === String(analysed) ? { label: `tiny feature ${f.index}` } : null);
});

test('analyzeText refuses bad input with stable codes and messages that name the problem', async () => {
  const code = async (vars: Record<string, unknown>, pattern: RegExp) => {
    const { errors } = await gql(ANALYZE, { t: TEXT, ds: [String(analysed)], k: 5, ...vars });
    assert.ok(errors?.[0], `expected an error for ${JSON.stringify(vars)}`);
    assert.match(errors[0].message, pattern);
    return errors[0].extensions.code as string;
  };
  assert.equal(await code({ ds: ['999999'] }, /no dictionary 999999/), 'NOT_FOUND');
  assert.equal(await code({ ds: ['x'] }, /not a dictionary id/), 'BAD_USER_INPUT');
  assert.equal(await code({ ds: [] }, /1 to 8 dictionaries/), 'BAD_USER_INPUT');
  assert.equal(await code({ k: 0 }, /topK must be an integer from 1 to 50/), 'BAD_USER_INPUT');
  assert.equal(await code({ k: 51 }, /topK must be an integer from 1 to 50/), 'BAD_USER_INPUT');
  assert.equal(await code({ t: '   ' }, /text is empty/), 'BAD_USER_INPUT');
  const long = Array.from({ length: MAX_TEXT_TOKENS + 10 }, () => ' the').join('');
  assert.equal(await code({ t: long }, /at most 2048/), 'BAD_USER_INPUT');
  assert.equal(await code({ ds: [String(analysed), String(otherHook)] }, /different hook points/), 'BAD_USER_INPUT');
  assert.equal(await code({ ds: [String(noWeights)] }, /has no weights on this server/), 'BAD_USER_INPUT');
  // The server still answers after all of these.
  const { data } = await gql(ANALYZE, { t: 'the', ds: [String(analysed)], k: 2 });
  assert.equal(data.analyzeText.tokens.length, 1);
});

test('Dictionary.canAnalyzeText says which dictionaries have weights on this server', async () => {
  const { data } = await gql('{ dictionaries { id canAnalyzeText } }');
  const can = new Map(
    (data.dictionaries as { id: string; canAnalyzeText: boolean }[]).map((d) => [d.id, d.canAnalyzeText]),
  );
  assert.equal(can.get(String(analysed)), true);
  assert.equal(can.get(String(unanalysed)), true);
  assert.equal(can.get(String(noWeights)), false);
});
