// steer on a transcoder's feature through GraphQL: the dictionary row reads LayerNorm 2's output of the built-in tiny
// LM and its weights write the MLP's output (cfg.json hook_name_out). The first steered token is checked against the
// model run by hand with the feature's decoder row added at the output hook.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as worker from '@atlas/worker';
import { startAtlasTestApi, type AtlasTestApi } from '../testing/testApi.js';
import { TINY_LM } from '../testing/tinyLmDictionaries.js';

const IN = 'blocks.0.ln2.hook_normalized';
const OUT = 'blocks.0.hook_mlp_out';
const PROMPT = 'The jury walked under the bridge and';
const N_LATENTS = 16;
const dir = mkdtempSync(join(tmpdir(), 'api-steer-transcoder-'));
let t: AtlasTestApi<{ dictionaryId: number }>;
let model: worker.InferenceModel;
let transcoder: worker.InferenceDictionary;

/** Seeded uniforms in [−scale/2, scale/2). */
function uniforms(n: number, seed: number, scale: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * scale;
  });
}

before(async () => {
  model = await worker.InferenceModel.load(TINY_LM);
  const d = model.config.dModel;
  const folder = join(dir, 'transcoder');
  mkdirSync(folder);
  worker.writeSaelensTranscoder(
    folder,
    {
      architecture: 'transcoder',
      dIn: d,
      dSae: N_LATENTS,
      k: 4,
      wEncT: uniforms(N_LATENTS * d, 1, 1),
      bEnc: new Float32Array(N_LATENTS),
      wDec: uniforms(N_LATENTS * d, 2, 0.4),
      bDec: new Float32Array(d),
      scale: 1,
      transcoder: { dOut: d, hookOut: OUT, targetScale: 1 },
    },
    {
      provenance: {
        model: TINY_LM,
        hook: IN,
        tokenizer: model.loaded.tokenizerIdentity,
        contextSize: model.config.nPositions,
        prependBos: true,
        corpus: 'none (random weights)',
      },
    },
  );
  transcoder = worker.InferenceDictionary.load(folder);
  t = await startAtlasTestApi(async (db) => {
    // As the worker records a transcoder: the column names its activation, hyperparameters the rest.
    const [{ id }] = (await db.dataSource.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, hyperparameters, status, weights_path)
       VALUES ('tiny-transcoder', $1, 'topk', $2, $3, 4, $4, 'ready', $5) RETURNING id`,
      [IN, d, N_LATENTS, JSON.stringify({ architecture: 'transcoder', hookNameOut: OUT, dOut: d }), folder],
    )) as { id: number }[];
    return { dictionaryId: id };
  });
});

after(async () => {
  await t?.close();
  model?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const STEER = `query($p: String!, $iv: [SteerInterventionInput!]!, $s: SamplingInput) {
  steer(prompt: $p, interventions: $iv, sampling: $s) {
    default { tokens { id logprob } } steered { tokens { id logprob } } } }`;

/** BOS and the prompt's ids: the window the first new token is predicted from. */
function promptWindow(): Int32Array {
  return Int32Array.from([model.loaded.bosId!, ...model.tokenizer.encode(PROMPT).ids]);
}

/** The greedy next token and its log-probability with `coefficient(r)` × feature's decoder row added at OUT. */
async function nextTokenWithRow(feature: number, coefficient: (r: number) => number) {
  const ids = promptWindow();
  const d = model.config.dModel;
  const term = new Float32Array(ids.length * d);
  // Row 0 is BOS, not text: steering leaves it alone.
  for (let r = 1; r < ids.length; r++)
    for (let p = 0; p < d; p++) term[r * d + p] = coefficient(r) * transcoder.sae.wDec[feature * d + p];
  const logits = (await model.run(ids, 1, ids.length, { logits: true, add: { [OUT]: term } })).logits!;
  const last = logits.subarray(logits.length - model.config.vocabSize);
  let best = 0;
  for (let v = 1; v < last.length; v++) if (last[v] > last[best]) best = v;
  let sum = 0;
  for (const x of last) sum += Math.exp(x - last[best]);
  return { id: best, logprob: -Math.log(sum) };
}

const steer = async (intervention: Record<string, unknown>) =>
  (
    await t.data(STEER, {
      p: PROMPT,
      iv: [{ dictionaryId: String(t.atlas.dictionaryId), ...intervention }],
      s: { maxNewTokens: 1, temperature: 0 },
    })
  ).steer;

test('ADD on a transcoder feature writes its decoder row at the output hook', async () => {
  const feature = 3;
  const r = await steer({ index: feature, mode: 'ADD', strength: 6, unit: 'RAW' });
  const want = await nextTokenWithRow(feature, () => 6);
  assert.equal(r.steered.tokens[0].id, want.id);
  assert.ok(Math.abs(r.steered.tokens[0].logprob - want.logprob) < 1e-3);
  const plain = await nextTokenWithRow(feature, () => 0);
  assert.equal(r.default.tokens[0].id, plain.id);
  assert.ok(Math.abs(want.logprob - plain.logprob) > 1e-3 || want.id !== plain.id, 'the row moves the prediction');
});

test('ABLATE on a transcoder feature removes its activation at the input hook times its row', async () => {
  const ids = promptWindow();
  const x = (await model.run(ids, 1, ids.length, { hooks: [IN] })).hooks[IN];
  const backend = await worker.loadBackend('auto', { threads: 1 });
  const codes = await transcoder.encode(backend, x, ids.length).finally(() => backend.dispose());
  // The feature active at the last prompt token (the one the next token is read from).
  const last = ids.length - 1;
  const feature = codes.indices[codes.rowStart[last]];
  const activation = (r: number) => {
    for (let j = codes.rowStart[r]; j < codes.rowStart[r + 1]; j++) if (codes.indices[j] === feature) return codes.values[j]; // prettier-ignore
    return 0;
  };
  assert.ok(activation(last) > 0);
  const r = await steer({ index: feature, mode: 'ABLATE', strength: 0, unit: 'RAW' });
  const want = await nextTokenWithRow(feature, (row) => -activation(row));
  assert.equal(r.steered.tokens[0].id, want.id);
  assert.ok(Math.abs(r.steered.tokens[0].logprob - want.logprob) < 1e-3);
});
