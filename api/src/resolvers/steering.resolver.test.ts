// steer and steerStream against a real server and database, on the built-in tiny LM and a dictionary trained on it:
// both continuations, strength 0 is the default, refusals name the argument, the pool answers BUSY when full, a
// closed atlas wants the key, the subscription streams the tokens as they come, and a transcoder's feature steers
// as it acts in the model (checked against the model run by hand).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import * as worker from '@atlas/worker';
import { ingestDictionary } from '@atlas/worker/ingest';
import { pino } from 'pino';
import { createApiKey } from '../auth/apiKeys.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../server.js';
import { randomTinyLmDictionary, trainTinyLmDictionary, TINY_HOOK, TINY_LM } from '../testing/tinyLmDictionaries.js';

let db: TestDatabase;
let api: ApiServer;
let model: worker.LoadedModel;
const dir = mkdtempSync(join(tmpdir(), 'api-steer-'));
let analysed: number; // stored features, max activation 2
let unanalysed: number; // weights only
let otherHook: number; // random weights at another hook, weights only
let transcoderId: number; // random TopK transcoder: reads TRANSCODER_IN, writes TRANSCODER_OUT, weights only
let transcoder: worker.InferenceDictionary;
const TRANSCODER_IN = 'blocks.0.ln2.hook_normalized';
const TRANSCODER_OUT = 'blocks.0.hook_mlp_out';
const OTHER_HOOK = 'blocks.0.hook_attn_out';
const PROMPT = 'The jury walked under the bridge and';

async function insertDictionary(name: string, dIn: number, nLatents: number, weightsPath: string, hook = TINY_HOOK) {
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status, weights_path)
     VALUES ($1, $2, 'topk', $3, $4, 4, 'ready', $5) RETURNING id`,
    [name, hook, dIn, nLatents, weightsPath],
  );
  return id as number;
}

/** Seeded uniforms in [−scale/2, scale/2). */
function uniforms(n: number, seed: number, scale: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * scale;
  });
}

/** A random TopK transcoder written as SAELens writes one and recorded as the worker records one. */
async function insertTranscoder(d: number): Promise<number> {
  const nLatents = 16;
  const folder = join(dir, 'transcoder');
  mkdirSync(folder);
  worker.writeSaelensTranscoder(
    folder,
    {
      architecture: 'transcoder',
      dIn: d,
      dSae: nLatents,
      k: 4,
      wEncT: uniforms(nLatents * d, 1, 1),
      bEnc: new Float32Array(nLatents),
      wDec: uniforms(nLatents * d, 2, 0.4),
      bDec: new Float32Array(d),
      scale: 1,
      transcoder: { dOut: d, hookOut: TRANSCODER_OUT, targetScale: 1 },
    },
    {
      provenance: {
        model: TINY_LM,
        hook: TRANSCODER_IN,
        tokenizer: model.tokenizerIdentity,
        contextSize: model.config.nPositions,
        prependBos: true,
        corpus: 'none (random weights)',
      },
    },
  );
  transcoder = worker.InferenceDictionary.load(folder);
  // The column names its activation, hyperparameters the rest.
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, hyperparameters, status, weights_path)
     VALUES ('tiny-transcoder', $1, 'topk', $2, $3, 4, $4, 'ready', $5) RETURNING id`,
    [
      TRANSCODER_IN,
      d,
      nLatents,
      JSON.stringify({ architecture: 'transcoder', hookNameOut: TRANSCODER_OUT, dOut: d }),
      folder,
    ],
  );
  return id as number;
}

const serverOptions = (): ApiServerOptions => ({
  dataSource: db.dataSource,
  log: pino({ level: 'silent' }),
  host: '127.0.0.1',
  port: 0,
  maxBodyBytes: 1_000_000,
});

before(async () => {
  db = await openTestDatabase();
  model = await worker.loadModel(TINY_LM);
  const d = model.config.dModel;
  const a = await trainTinyLmDictionary(model, dir, 'a', { dSae: 32, k: 4, seed: 1 });
  analysed = await insertDictionary('tiny-a', d, 32, a);
  unanalysed = await insertDictionary('tiny-b', d, 32, a);
  const r = await randomTinyLmDictionary(model, dir, 'random', { hook: OTHER_HOOK, dSae: 16, seed: 3 });
  otherHook = await insertDictionary('other-hook', d, 16, r, OTHER_HOOK);
  transcoderId = await insertTranscoder(d);
  const sae = worker.loadExternalSae(a);
  await ingestDictionary(
    db,
    { id: analysed, dIn: d, nLatents: 32 },
    Array.from({ length: 32 }, (_, i) => ({
      index: i,
      decoder: sae.wDec.subarray(i * d, (i + 1) * d),
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
  api = await startApiServer(serverOptions());
});

after(async () => {
  await api?.stop();
  await db?.close();
  worker.disposeModel(model);
  rmSync(dir, { recursive: true, force: true });
});

async function gql(server: ApiServer, query: string, variables: Record<string, unknown>, key?: string): Promise<any> {
  // any: shapes vary per query
  const res = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

const STEER = `query($p: String!, $iv: [SteerInterventionInput!]!, $s: SamplingInput) {
  steer(prompt: $p, interventions: $iv, sampling: $s) {
    modelName promptTokens elapsedMs
    default { text tokens { id text logprob changed { id } } }
    steered { text tokens { id text logprob changed { id text steered default } } } } }`;

const intervention = (o: Record<string, unknown> = {}) => ({
  dictionaryId: String(analysed),
  index: 3,
  mode: 'ADD',
  strength: 8,
  ...o,
});
const steer = (vars: Record<string, unknown> = {}, server = api, key?: string) =>
  gql(server, STEER, { p: PROMPT, iv: [intervention()], s: { maxNewTokens: 6 }, ...vars }, key);

test('steer returns the default and the steered continuation; strength 0 is the default', async () => {
  const { data, errors } = await steer();
  assert.equal(errors, undefined, JSON.stringify(errors));
  const r = data.steer;
  assert.equal(r.modelName, TINY_LM);
  assert.equal(r.promptTokens, model.tokenizer.encode(PROMPT).ids.length);
  assert.equal(r.default.tokens.length, 6);
  assert.equal(r.steered.tokens.length, 6);
  assert.equal(r.default.text, r.default.tokens.map((t: { text: string }) => t.text).join(''));
  assert.ok(
    r.steered.tokens.every((t: { logprob: number; changed: unknown[] }) => t.logprob <= 0 && t.changed.length > 0),
  );
  assert.ok(r.default.tokens.every((t: { changed: unknown }) => t.changed === null));
  assert.notEqual(r.steered.text, r.default.text, 'adding 8 × max activation changes the continuation');

  const zero = (await steer({ iv: [intervention({ strength: 0 })] })).data.steer;
  assert.equal(zero.default.text, r.default.text, 'the same seed gives the same default');
  assert.equal(zero.steered.text, zero.default.text);
  assert.deepEqual(
    zero.steered.tokens.map((t: { logprob: number }) => t.logprob),
    zero.default.tokens.map((t: { logprob: number }) => t.logprob),
  );
  // Raw units: strength 16 raw is 8 × the stored max activation 2.
  const raw = (await steer({ iv: [intervention({ strength: 16, unit: 'RAW' })] })).data.steer;
  assert.equal(raw.steered.text, r.steered.text);
});

test('steer takes interventions on dictionaries at two hooks of the model in one request', async () => {
  const other = intervention({ dictionaryId: String(otherHook), index: 2, strength: 6, unit: 'RAW' });
  const both = await steer({ iv: [intervention(), other] });
  assert.equal(both.errors, undefined, JSON.stringify(both.errors));
  const one = (await steer()).data.steer;
  const only = (await steer({ iv: [other] })).data.steer;
  assert.equal(both.data.steer.default.text, one.default.text);
  const logprobs = (r: { steered: { tokens: { logprob: number }[] } }) => r.steered.tokens.map((t) => t.logprob);
  assert.notDeepEqual(logprobs(both.data.steer), logprobs(one), 'the second hook adds to the first');
  assert.notDeepEqual(logprobs(both.data.steer), logprobs(only), 'the first hook adds to the second');
});

test('steer refuses bad input with BAD_USER_INPUT naming the argument', async () => {
  const refusal = async (vars: Record<string, unknown>, pattern: RegExp) => {
    const { errors } = await steer(vars);
    assert.ok(errors?.[0], `expected an error for ${JSON.stringify(vars)}`);
    assert.match(errors[0].message, pattern);
    assert.equal(errors[0].extensions.code, 'BAD_USER_INPUT', errors[0].message);
  };
  await refusal({ iv: [intervention({ index: 32 })] }, /interventions\[0\]\.index: 32 is not a feature .*0 to 31/);
  await refusal({ iv: [intervention({ dictionaryId: '999999' })] }, /interventions\[0\]\.dictionaryId: no dictionary/);
  await refusal({ iv: [intervention({ dictionaryId: 'x' })] }, /interventions\[0\]\.dictionaryId "x" is not/);
  await refusal({ iv: [intervention({ strength: 'NaN' })] }, /strength.*Float cannot represent non numeric value/);
  await refusal({ iv: [intervention({ strength: 1e9 })] }, /interventions\[0\]\.strength: must be a number from -1000/);
  await refusal({ s: { maxNewTokens: 65 } }, /sampling\.maxNewTokens: must be an integer from 1 to 64/);
  await refusal({ s: { maxNewTokens: 6, topP: 0 } }, /sampling\.topP: must be a number in \(0, 1\]/);
  const longPrompt = Array.from({ length: 600 }, () => ' the').join('');
  await refusal({ p: longPrompt }, /prompt: is \d+ tokens; at most 512/);
  await refusal({ p: '  ' }, /prompt is empty/);
  await refusal({ iv: [] }, /interventions must list 1 to 8/);
  await refusal({ iv: Array.from({ length: 9 }, () => intervention()) }, /interventions must list 1 to 8/);
  await refusal({ iv: [intervention({ positions: [0, 99] })] }, /interventions\[0\]\.positions: 99 is out of range/);
  await refusal(
    { iv: [intervention({ dictionaryId: String(unanalysed) })] },
    /interventions\[0\]\.unit: .*has not been analysed.*use unit RAW/,
  );
  // ABLATE and RAW need no stored max activation.
  const { errors } = await steer({ iv: [intervention({ dictionaryId: String(unanalysed), mode: 'ABLATE' })] });
  assert.equal(errors, undefined, JSON.stringify(errors));
});

test('steer answers BUSY when the pool is full, and serves again once it drains', async () => {
  const small = await startApiServer({ ...serverOptions(), steerSlots: 1 });
  try {
    const answers = await Promise.all([1, 2, 3].map(() => steer({ s: { maxNewTokens: 12 } }, small)));
    const busy = answers.filter((a) => a.errors?.[0]?.extensions.code === 'BUSY');
    const served = answers.filter((a) => a.errors === undefined);
    assert.equal(served.length, 1, JSON.stringify(answers.map((a) => a.errors)));
    assert.equal(busy.length, 2);
    assert.match(
      busy[0].errors[0].message,
      /already steering 1 request\(s\), its limit \(ATLAS_API_STEER_SLOTS\); retry/,
    );
    const again = await steer({}, small);
    assert.equal(again.errors, undefined, JSON.stringify(again.errors));
  } finally {
    await small.stop();
  }
});

test('a closed atlas refuses steer without an API key and serves it with one', async () => {
  const closed = await startApiServer({ ...serverOptions(), publicReads: false });
  try {
    const anonymous = await steer({}, closed);
    assert.equal(anonymous.errors?.[0]?.extensions.code, 'UNAUTHENTICATED');
    const { key } = await createApiKey(db.dataSource, 'steerer');
    const keyed = await steer({}, closed, key);
    assert.equal(keyed.errors, undefined, JSON.stringify(keyed.errors));
    assert.equal(keyed.data.steer.steered.tokens.length, 6);
  } finally {
    await closed.stop();
  }
});

/** Every event of one steerStream until it completes, or its errors. */
async function stream(server: ApiServer, variables: Record<string, unknown>) {
  const client = createClient({
    url: server.graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
  });
  const query = `subscription($p: String!, $iv: [SteerInterventionInput!]!, $s: SamplingInput) {
    steerStream(prompt: $p, interventions: $iv, sampling: $s) {
      run token { text } result { default { text } steered { text } } } }`;
  const events: StreamEvent[] = [];
  const error = await new Promise<unknown>((resolve) =>
    client.subscribe<{ steerStream: StreamEvent }>(
      { query, variables },
      {
        next: (r) => (r.errors ? resolve(r.errors) : events.push(r.data!.steerStream)),
        error: resolve,
        complete: () => resolve(undefined),
      },
    ),
  );
  await client.dispose();
  return { events, error: error as { message: string; extensions?: { code?: string } }[] | undefined };
}
type StreamEvent = {
  run: string;
  token: { text: string } | null;
  result: { default: { text: string }; steered: { text: string } } | null;
};

test('steerStream stops at the request timeout with REQUEST_TIMEOUT', async () => {
  const hurried = await startApiServer({ ...serverOptions(), requestTimeoutMs: 40 });
  try {
    const { events, error } = await stream(hurried, { p: PROMPT, iv: [intervention()], s: { maxNewTokens: 64 } });
    assert.equal(error?.[0]?.extensions?.code, 'REQUEST_TIMEOUT', JSON.stringify(error));
    assert.match(error[0].message, /ran past the api's 40 ms limit/);
    assert.ok(events.length < 128);
  } finally {
    await hurried.stop();
  }
});

test('steerStream streams the default tokens, then the steered ones, then the whole result', async () => {
  const { events, error } = await stream(api, { p: PROMPT, iv: [intervention()], s: { maxNewTokens: 5 } });
  assert.equal(error, undefined, JSON.stringify(error));
  assert.deepEqual(
    events.map((e) => (e.result ? 'result' : e.run)),
    [...Array(5).fill('default'), ...Array(5).fill('steered'), 'result'],
  );
  const result = events.at(-1)!.result!;
  const text = (run: string) =>
    events
      .filter((e) => e.run === run && e.token)
      .map((e) => e.token!.text)
      .join('');
  assert.equal(text('default'), result.default.text);
  assert.equal(text('steered'), result.steered.text);
  const { data } = await steer({ s: { maxNewTokens: 5 } });
  assert.deepEqual(result, { default: { text: data.steer.default.text }, steered: { text: data.steer.steered.text } });
});

/** BOS and the prompt's ids: the window the first new token is predicted from. */
function promptWindow(): Int32Array {
  return Int32Array.from([model.bosId!, ...model.tokenizer.encode(PROMPT).ids]);
}

/** The greedy next token and its log-probability with coefficient(row) × a transcoder feature's row added at its output hook. */
async function nextTokenWithRow(feature: number, coefficient: (row: number) => number) {
  const ids = promptWindow();
  const d = model.config.dModel;
  const term = new Float32Array(ids.length * d);
  // Row 0 is BOS, not text: steering leaves it alone.
  for (let r = 1; r < ids.length; r++)
    for (let p = 0; p < d; p++) term[r * d + p] = coefficient(r) * transcoder.sae.wDec[feature * d + p];
  const run = await worker.InferenceModel.of(model).run(ids, 1, ids.length, { logits: true, add: { [TRANSCODER_OUT]: term } }); // prettier-ignore
  const last = run.logits!.subarray(run.logits!.length - model.config.vocabSize);
  let best = 0;
  for (let v = 1; v < last.length; v++) if (last[v] > last[best]) best = v;
  let sum = 0;
  for (const x of last) sum += Math.exp(x - last[best]);
  return { id: best, logprob: -Math.log(sum) };
}

const steerTranscoder = async (o: Record<string, unknown>) => {
  const iv = [{ dictionaryId: String(transcoderId), unit: 'RAW', ...o }];
  const { data, errors } = await steer({ iv, s: { maxNewTokens: 1, temperature: 0 } });
  assert.equal(errors, undefined, JSON.stringify(errors));
  return data.steer;
};

test("ADD on a transcoder's feature adds strength × its decoder row at the transcoder's output hook", async () => {
  const feature = 3;
  const r = await steerTranscoder({ index: feature, mode: 'ADD', strength: 6 });
  const want = await nextTokenWithRow(feature, () => 6);
  assert.equal(r.steered.tokens[0].id, want.id);
  assert.ok(Math.abs(r.steered.tokens[0].logprob - want.logprob) < 1e-3);
  const plain = await nextTokenWithRow(feature, () => 0);
  assert.equal(r.default.tokens[0].id, plain.id);
  // The /steer form names where a transcoder's features are steered.
  const hooks = await gql(api, `{ t: dictionary(id: "${transcoderId}") { hookPointOut } s: dictionary(id: "${analysed}") { hookPointOut } }`, {}); // prettier-ignore
  assert.deepEqual(hooks.data, { t: { hookPointOut: TRANSCODER_OUT }, s: { hookPointOut: null } });
  assert.ok(Math.abs(want.logprob - plain.logprob) > 1e-3 || want.id !== plain.id, 'the row moves the prediction');
});

test("ABLATE on a transcoder's feature subtracts its activation at the input hook × its row at the output hook", async () => {
  const ids = promptWindow();
  const x = (await worker.InferenceModel.of(model).run(ids, 1, ids.length, { hooks: [TRANSCODER_IN] })).hooks[TRANSCODER_IN]; // prettier-ignore
  const backend = await worker.loadBackend('auto', { threads: 1 });
  const codes = await transcoder.encode(backend, x, ids.length).finally(() => backend.dispose());
  // The feature strongest at the last prompt token (the one the next token is read from).
  const last = ids.length - 1;
  const feature = codes.indices[codes.rowStart[last]];
  const activation = (r: number) => {
    for (let j = codes.rowStart[r]; j < codes.rowStart[r + 1]; j++) if (codes.indices[j] === feature) return codes.values[j]; // prettier-ignore
    return 0;
  };
  assert.ok(activation(last) > 0);
  const r = await steerTranscoder({ index: feature, mode: 'ABLATE', strength: 0 });
  const want = await nextTokenWithRow(feature, (row) => -activation(row));
  assert.equal(r.steered.tokens[0].id, want.id);
  assert.ok(Math.abs(r.steered.tokens[0].logprob - want.logprob) < 1e-3);
});
