// Steering a transcoder's feature on the built-in model (tiny-brown) as the feature acts in the model: read at the
// transcoder's input hook (LayerNorm 2's output), written as its decoder row at its output hook (the MLP's output).
// Expected values come from the hook runner's own add-to-hook and the dictionary's encoder, not from steering code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../engine/backend.js';
import { loadBackend } from '../engine/backendRegistry.js';
import { activationAt } from '../inference/csrCodes.js';
import { InferenceDictionary } from '../inference/inferenceDictionary.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import { randomDictionary } from '../inference/randomDictionary.testing.js';
import { logSumExp, type SamplingOptions } from './generate.js';
import type { Intervention } from './intervention.js';
import { resolveRequest, steer, type SteerRequest } from './steer.js';
import { steeredForward } from './steeredForward.js';

const IN = 'blocks.0.ln2.hook_normalized';
const OUT = 'blocks.0.hook_mlp_out';
const RESID_MID = 'blocks.0.hook_resid_mid';
const TEXT = 'He walked under the old bridge and then away from the river, past the dogs and the house.';
let model: InferenceModel;
let backend: Backend;
let transcoder: InferenceDictionary;
let residSae: InferenceDictionary;

before(async () => {
  model = await InferenceModel.load('builtin');
  backend = await loadBackend('auto', { threads: 2 });
  const d = model.config.dModel;
  const weights = randomDictionary({ dIn: d, dSae: 32, k: 4, seed: 11, applyBDecToInput: false });
  // Decoder rows on the scale of the MLP's output (unit-variance entries would swamp the residual stream).
  for (let j = 0; j < weights.wDec.length; j++) weights.wDec[j] *= 0.05;
  weights.transcoder = { architecture: 'transcoder', dOut: d, hookNameOut: OUT };
  transcoder = new InferenceDictionary(weights);
  residSae = new InferenceDictionary(randomDictionary({ dIn: d, dSae: 32, k: 4, seed: 12 }));
});
after(() => {
  model.dispose();
  backend.dispose();
});

const greedy = (o: Partial<SamplingOptions> = {}): SamplingOptions => ({
  maxNewTokens: 12,
  temperature: 0,
  topP: 1,
  frequencyPenalty: 0,
  seed: 1,
  ...o,
});

const request = (prompt: string, interventions: Intervention[], sampling = greedy()): SteerRequest => ({
  prompt,
  dictionaries: [{ id: 7, hook: IN, dictionary: transcoder }],
  interventions,
  sampling,
});

/** The text's ids with BOS first, and the row -> position map of that window. */
function textWindow(text = TEXT): { ids: Int32Array; positionOf: (row: number) => number | null } {
  const body = Array.from(model.tokenizer.encode(text).ids);
  const ids = Int32Array.from([model.loaded.bosId!, ...body]);
  return { ids, positionOf: (row) => (row === 0 ? null : row - 1) };
}

/** [rows, dOut]: coefficient(r) × the feature's decoder row on every text row (BOS, row 0, left at 0). */
function rowTimes(feature: number, rows: number, coefficient: (r: number) => number): Float32Array {
  const d = model.config.dModel;
  const term = new Float32Array(rows * d);
  for (let r = 1; r < rows; r++)
    for (let p = 0; p < d; p++) term[r * d + p] = coefficient(r) * transcoder.sae.wDec[feature * d + p];
  return term;
}

/** The transcoder's codes of the input hook over `ids` (with `feed`), and the feature active on most rows. */
async function inputCodes(ids: Int32Array, feed: Record<string, Float32Array> = {}) {
  const x = (await model.run(ids, 1, ids.length, { hooks: [IN], feed })).hooks[IN];
  const codes = await transcoder.encode(backend, x, ids.length);
  const count = new Map<number, number>();
  for (const f of codes.indices) count.set(f, (count.get(f) ?? 0) + 1);
  const feature = [...count.keys()].sort((a, b) => count.get(b)! - count.get(a)! || a - b)[0];
  return { codes, feature, active: count.get(feature)! };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('ADD s writes s × the decoder row at the output hook: the logits of adding it by hand', async () => {
  const { ids, positionOf } = textWindow();
  const feature = 5;
  const s = 3;
  const [resolved] = resolveRequest(model, request(TEXT, [{ dictionaryId: 7, feature, kind: 'add', strength: s, unit: 'raw' }]), ids.length - 1); // prettier-ignore
  assert.equal(resolved.hook, OUT, 'written at hookNameOut');
  assert.equal(resolved.readHook, IN);
  const want = (await model.run(ids, 1, ids.length, { logits: true, add: { [OUT]: rowTimes(feature, ids.length, () => s) } })).logits!; // prettier-ignore
  const got = await steeredForward(model, ids, [resolved], positionOf, backend);
  assert.deepEqual(got.logits, want);
  const plain = (await model.run(ids, 1, ids.length, { logits: true })).logits!;
  assert.ok(maxAbsDiff(want, plain) > 1e-2, 'the added row moves the logits');

  // Through steer(), in max units (strength 1.5 × max activation 2 = 3 raw): its first token is the by-hand argmax.
  const vocab = model.config.vocabSize;
  const last = want.subarray(want.length - vocab);
  let best = 0;
  for (let v = 1; v < vocab; v++) if (last[v] > last[best]) best = v;
  const result = await steer(model, request(TEXT, [{ dictionaryId: 7, feature, kind: 'add', strength: 1.5, maxActivation: 2 }], greedy({ maxNewTokens: 1 })), backend); // prettier-ignore
  assert.equal(result.steered.tokens[0].id, best);
  assert.ok(Math.abs(result.steered.tokens[0].logprob - (last[best] - logSumExp(last))) < 1e-4);
});

test('ABLATE adds −a·row at the output hook, a being the feature’s activation at the input hook', async () => {
  const { ids, positionOf } = textWindow();
  const { codes, feature, active } = await inputCodes(ids);
  assert.ok(active >= 3, `feature ${feature} is active on ${active} rows`);
  const term = rowTimes(feature, ids.length, (r) => -activationAt(codes, r, feature));
  const want = (await model.run(ids, 1, ids.length, { logits: true, add: { [OUT]: term } })).logits!;
  const [ablate] = resolveRequest(model, request(TEXT, [{ dictionaryId: 7, feature, kind: 'ablate', strength: 0 }]), ids.length - 1); // prettier-ignore
  const got = await steeredForward(model, ids, [ablate], positionOf, backend, { withDefault: true });
  // Fed rather than added (the runner fuses the two graphs differently): equal to float32 rounding.
  const diff = maxAbsDiff(got.logits, want);
  assert.ok(diff < 1e-4, `max |Δlogit| ${diff}`);
  const plain = (await model.run(ids, 1, ids.length, { logits: true })).logits!;
  assert.ok(maxAbsDiff(got.defaultLogits!, plain) < 1e-4, 'the default row is the plain model');
  assert.ok(maxAbsDiff(got.logits, plain) > 1e-2, 'ablating an active feature changes the logits');
});

test('a transcoder CLAMP downstream of a steered hook reads the input hook as steered (two rows, one pass)', async () => {
  const { ids, positionOf } = textWindow();
  // An SAE clamp at the residual stream before LayerNorm 2 moves what the transcoder reads.
  const mid = (await model.run(ids, 1, ids.length, { hooks: [RESID_MID] })).hooks[RESID_MID];
  const midCodes = await residSae.encode(backend, mid, ids.length);
  const saeFeature = midCodes.indices[midCodes.rowStart[1]];
  const d = model.config.dModel;
  const fedMid = Float32Array.from(mid);
  for (let r = 1; r < ids.length; r++) {
    const c = 4 - activationAt(midCodes, r, saeFeature);
    for (let p = 0; p < d; p++) fedMid[r * d + p] += c * residSae.sae.wDec[saeFeature * d + p];
  }
  const { codes, feature, active } = await inputCodes(ids, { [RESID_MID]: fedMid });
  assert.ok(active >= 3, `feature ${feature} is active on ${active} rows of the steered input`);
  const term = rowTimes(feature, ids.length, (r) => 0.5 - activationAt(codes, r, feature));
  const want = (await model.run(ids, 1, ids.length, { logits: true, feed: { [RESID_MID]: fedMid }, add: { [OUT]: term } })).logits!; // prettier-ignore
  const interventions = resolveRequest(
    model,
    {
      ...request(TEXT, [
        { dictionaryId: 7, feature, kind: 'clamp', strength: 0.5, unit: 'raw' },
        { dictionaryId: 8, feature: saeFeature, kind: 'clamp', strength: 4, unit: 'raw' },
      ]),
      dictionaries: [
        { id: 7, hook: IN, dictionary: transcoder },
        { id: 8, hook: RESID_MID, dictionary: residSae },
      ],
    },
    ids.length - 1,
  );
  const got = await steeredForward(model, ids, interventions, positionOf, backend, { withDefault: true });
  const diff = maxAbsDiff(got.logits, want);
  assert.ok(diff < 1e-4, `max |Δlogit| ${diff}`);
});

test('CLAMP to the feature’s own activation gives the default generation token for token', async () => {
  const prompt = 'The river was';
  const plain = await steer(model, request(prompt, [{ dictionaryId: 7, feature: 0, kind: 'add', strength: 0, unit: 'raw' }]), backend); // prettier-ignore
  const promptIds = Array.from(model.tokenizer.encode(prompt).ids);
  const text = [...promptIds, ...plain.default.tokens.map((t) => t.id)];
  const ids = Int32Array.from([model.loaded.bosId!, ...text]);
  const { codes, feature, active } = await inputCodes(ids);
  assert.ok(active >= 3, `feature ${feature} is active on ${active} rows`);
  // One clamp per position (the prompt's 3 and the 12 new tokens: within the 16 a request may hold), each to the
  // activation the plain model gives the feature there.
  const clamps: Intervention[] = [];
  for (let r = 1; r < ids.length - 1; r++)
    clamps.push({ dictionaryId: 7, feature, kind: 'clamp', strength: activationAt(codes, r, feature), unit: 'raw', positions: [r - 1] }); // prettier-ignore
  const clamped = await steer(model, request(prompt, clamps), backend);
  assert.deepEqual(
    clamped.steered.tokens.map((t) => t.id),
    plain.default.tokens.map((t) => t.id),
  );
  assert.ok(maxAbsDiff(clamped.steered.tokens.map((t) => t.logprob), plain.default.tokens.map((t) => t.logprob)) < 1e-4); // prettier-ignore
  // The same clamps one unit higher do move it: the clamps were live, not skipped.
  const raised = await steer(model, request(prompt, clamps.map((c) => ({ ...c, strength: c.strength + 1 }))), backend); // prettier-ignore
  assert.ok(maxAbsDiff(raised.steered.tokens.map((t) => t.logprob), plain.default.tokens.map((t) => t.logprob)) > 1e-3); // prettier-ignore
});
