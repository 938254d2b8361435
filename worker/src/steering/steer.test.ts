// Steering on the built-in model (tiny-brown) with seeded random dictionaries and one trained on its activations:
// identities (strength 0, clamping a feature to its own activation, also at two hooks through the key/value cache),
// ABLATE against the dictionary's reconstruction, interventions at two hooks in one pass, the logit effect of a
// trained feature growing with strength, seeds, the sliding window, and refused input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../engine/backend.js';
import { loadBackend } from '../engine/backendRegistry.js';
import { activationAt } from '../inference/csrCodes.js';
import { InferenceRefused } from '../inference/errors.js';
import { InferenceDictionary } from '../inference/inferenceDictionary.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import { randomDictionary } from '../inference/randomDictionary.testing.js';
import { logitEffects } from '../analysis/logitEffects.js';
import { estimateMaxActivation } from './estimateMaxActivation.js';
import { generate, logSumExp, type SamplingOptions } from './generate.js';
import { applyInterventions, type Intervention, type ResolvedIntervention } from './intervention.js';
import { DEFAULT_STEER_LIMITS, resolveRequest, steer, type SteerRequest } from './steer.js';
import { steeredForward } from './steeredForward.js';
import { trainedDictionary } from './trainedDictionary.testing.js';

const RESID = 'blocks.0.hook_resid_post';
const MLP = 'blocks.0.mlp.hook_post';
const TEXT = 'He walked under the old bridge and then away from the river, past the dogs and the house.';
let model: InferenceModel;
let backend: Backend;
let resid: InferenceDictionary;
let mlp: InferenceDictionary;
let trained: InferenceDictionary;

before(async () => {
  model = await InferenceModel.load('builtin');
  backend = await loadBackend('auto', { threads: 2 });
  resid = new InferenceDictionary(randomDictionary({ dIn: model.config.dModel, dSae: 64, k: 4, seed: 3 }));
  mlp = new InferenceDictionary(randomDictionary({ dIn: model.config.dMlp, dSae: 64, k: 4, seed: 4 }));
  trained = await trainedDictionary(model, RESID, backend);
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
const sampled = (o: Partial<SamplingOptions> = {}) =>
  greedy({ temperature: 1, topP: 0.95, frequencyPenalty: 0.5, ...o });

const request = (interventions: Intervention[], sampling = greedy()): SteerRequest => ({
  prompt: 'The river was',
  dictionaries: [
    { id: 1, hook: RESID, dictionary: resid },
    { id: 2, hook: MLP, dictionary: mlp },
  ],
  interventions,
  sampling,
});

/** |a[i] − b[i]| <= tolerance for every i. */
function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number): void {
  assert.equal(a.length, b.length);
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.ok(maxDiff <= tolerance, `max difference ${maxDiff} > ${tolerance}`);
}

const tokenIds = (g: { tokens: { id: number }[] }) => g.tokens.map((t) => t.id);

/** The text's ids with BOS first, and the row -> position map of that window. */
function textWindow(): { ids: Int32Array; positionOf: (row: number) => number | null } {
  const body = Array.from(model.tokenizer.encode(TEXT).ids);
  const ids = Int32Array.from([model.loaded.bosId!, ...body]);
  return { ids, positionOf: (row) => (row === 0 ? null : row - 1) };
}

/** Activations at `hook` over the text window, and the dictionary's codes of them. */
async function hookAndCodes(hook: string, dictionary: InferenceDictionary) {
  const { ids } = textWindow();
  const h = (await model.run(ids, 1, ids.length, { hooks: [hook] })).hooks[hook];
  return { h, codes: await dictionary.encode(backend, h, ids.length), rows: ids.length };
}

/** The latent active on most rows of the text (and its largest activation there). */
async function busiestFeature(hook: string, dictionary: InferenceDictionary) {
  const { codes } = await hookAndCodes(hook, dictionary);
  const feature = mostActive(codes.indices);
  let count = 0;
  let maxActivation = 0;
  for (let j = 0; j < codes.indices.length; j++)
    if (codes.indices[j] === feature) {
      count++;
      maxActivation = Math.max(maxActivation, codes.values[j]);
    }
  return { feature, count, maxActivation };
}

/** The latent named most often in `indices` (active on most rows), the lowest on ties. */
function mostActive(indices: ArrayLike<number>): number {
  const count = new Map<number, number>();
  for (let j = 0; j < indices.length; j++) count.set(indices[j], (count.get(indices[j]) ?? 0) + 1);
  return [...count.keys()].sort((a, b) => count.get(b)! - count.get(a)! || a - b)[0];
}

test('strength 0 and clamping a feature to its own activation give the default output token for token', async () => {
  const { feature, maxActivation } = await busiestFeature(RESID, resid);
  // A feature the encoder never turns on (bias far below zero): its own activation is 0 everywhere.
  const silent = randomDictionary({ dIn: model.config.dModel, dSae: 64, k: 4, seed: 3 });
  silent.bEnc[7] = -1e9;
  const off = new InferenceDictionary(silent);
  for (const sampling of [greedy(), sampled({ seed: 9 })]) {
    const add0 = await steer(
      model,
      request([{ dictionaryId: 1, feature, kind: 'add', strength: 0, maxActivation }], sampling),
      backend,
    );
    assert.deepEqual(tokenIds(add0.steered), tokenIds(add0.default));
    assert.deepEqual(
      add0.steered.tokens.map((t) => t.logprob),
      add0.default.tokens.map((t) => t.logprob),
    );
    const clampSelf = await steer(
      model,
      {
        ...request([{ dictionaryId: 5, feature: 7, kind: 'clamp', strength: 0, unit: 'raw' }], sampling),
        dictionaries: [{ id: 5, hook: RESID, dictionary: off }],
      },
      backend,
    );
    assert.deepEqual(tokenIds(clampSelf.steered), tokenIds(clampSelf.default));
    assert.deepEqual(tokenIds(clampSelf.default), tokenIds(add0.default), 'the default does not depend on the request');
  }
  // Row by row: clamping each row to the activation the encoder gives it returns h exactly.
  const { h, codes, rows } = await hookAndCodes(RESID, resid);
  for (let r = 0; r < rows; r++) {
    const a = codes.rowStart[r] < codes.rowStart[r + 1] ? codes.values[codes.rowStart[r]] : 0;
    const f = codes.rowStart[r] < codes.rowStart[r + 1] ? codes.indices[codes.rowStart[r]] : 0;
    const clamp: ResolvedIntervention = {
      dictionary: resid,
      hook: RESID,
      feature: f,
      kind: 'clamp',
      value: a,
      positions: new Set([r]),
    };
    const out = await applyInterventions(h, rows, [clamp], (row) => row, backend);
    assert.equal(out, h, `row ${r}: nothing changed, h itself comes back`);
  }
});

test('clamping features at two hooks to their own activations gives the default token for token through the key/value cache', async () => {
  const promptIds = Array.from(model.tokenizer.encode('The river was').ids);
  const windows = resid.windowsOn(model);
  const plainRun = model.run.bind(model);
  for (const sampling of [greedy({ maxNewTokens: 16 }), sampled({ seed: 9, maxNewTokens: 16 })]) {
    const plain = await generate(model, promptIds, { sampling, windows, interventions: [], backend });
    // Each position's own activation of the feature active most often at each hook, read from one pass over the text
    // (BOS, prompt, generated tokens): one clamp per position, at the MLP and at the residual stream after it.
    const ids = Int32Array.from([windows.bosId!, ...promptIds, ...tokenIds(plain)]);
    const { hooks } = await model.run(ids, 1, ids.length, { hooks: [MLP, RESID] });
    const clamps: ResolvedIntervention[] = [];
    for (const [hook, dictionary] of [
      [MLP, mlp],
      [RESID, resid],
    ] as const) {
      const codes = await dictionary.encode(backend, hooks[hook], ids.length);
      const feature = mostActive(codes.indices);
      let active = 0;
      for (let r = 1; r < ids.length; r++) {
        const value = activationAt(codes, r, feature);
        if (value > 0) active++;
        clamps.push({ dictionary, hook, feature, kind: 'clamp', value, positions: new Set([r - 1]) });
      }
      assert.ok(active >= 3, `${hook}: feature ${feature} is active at ${active} positions`);
    }
    let incremental = 0;
    model.run = (runIds, batch, seq, ro) => {
      if (ro.logits && ro.past) incremental++;
      return plainRun(runIds, batch, seq, ro);
    };
    const clamped = await generate(model, promptIds, { sampling, windows, interventions: clamps, backend, cache: true }).finally(() => { model.run = plainRun; }); // prettier-ignore
    assert.ok(incremental >= sampling.maxNewTokens - 1, `${incremental} incremental passes: the cache was used`);
    assert.deepEqual(tokenIds(clamped), tokenIds(plain));
    assertClose(
      clamped.tokens.map((t) => t.logprob),
      plain.tokens.map((t) => t.logprob),
      1e-4,
    );
  }
});

test("ABLATE at every position equals feeding the reconstruction without that latent plus the reconstruction's error", async () => {
  for (const [hook, dictionary] of [
    [RESID, resid],
    [MLP, mlp],
  ] as const) {
    const { feature, count } = await busiestFeature(hook, dictionary);
    assert.ok(count >= 3, `feature ${feature} is active on ${count} rows`);
    const { ids, positionOf } = textWindow();
    const { h, codes, rows } = await hookAndCodes(hook, dictionary);
    const reconstruction = dictionary.decode(codes);
    const zeroed = { ...codes, values: codes.values.map((v, j) => (codes.indices[j] === feature ? 0 : v)) };
    const without = dictionary.decode(zeroed);
    // The BOS row is not text, so it keeps its value.
    const fed = h.map((v, p) => (p < dictionary.sae.dIn ? v : without[p] + (v - reconstruction[p])));
    const want = (await model.run(ids, 1, rows, { logits: true, feed: { [hook]: fed } })).logits!;
    const ablate: ResolvedIntervention = { dictionary, hook, feature, kind: 'ablate', value: 0, positions: null };
    const got = await steeredForward(model, ids, [ablate], positionOf, backend, { withDefault: true });
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.logits[i] - want[i]));
    assert.ok(maxDiff < 1e-3, `${hook}: max |Δlogit| ${maxDiff}`);
    const plain = (await model.run(ids, 1, rows, { logits: true })).logits!;
    assertClose(Array.from(got.defaultLogits!), Array.from(plain), 1e-4);
    assert.notDeepEqual(got.logits, plain, 'ablating an active feature changes the logits');
  }
});

test('interventions at two hooks combine in one pass: the later hook sees the earlier one steered', async () => {
  const { ids, positionOf } = textWindow();
  const a = await busiestFeature(MLP, mlp);
  const b = await busiestFeature(RESID, resid);
  const atMlp: ResolvedIntervention = { dictionary: mlp, hook: MLP, feature: a.feature, kind: 'add', value: 3 * a.maxActivation, positions: null }; // prettier-ignore
  const clampResid: ResolvedIntervention = { dictionary: resid, hook: RESID, feature: b.feature, kind: 'clamp', value: 2 * b.maxActivation, positions: null }; // prettier-ignore
  // By hand: steer the MLP, record the residual stream downstream of it, clamp there, run to the logits.
  const h1 = (await model.run(ids, 1, ids.length, { hooks: [MLP] })).hooks[MLP];
  const f1 = await applyInterventions(h1, ids.length, [atMlp], positionOf, backend);
  const h2 = (await model.run(ids, 1, ids.length, { hooks: [RESID], feed: { [MLP]: f1 } })).hooks[RESID];
  const f2 = await applyInterventions(h2, ids.length, [clampResid], positionOf, backend);
  const want = (await model.run(ids, 1, ids.length, { logits: true, feed: { [MLP]: f1, [RESID]: f2 } })).logits!;
  // Given in the other order: the pass sorts hooks into forward order.
  const got = await steeredForward(model, ids, [clampResid, atMlp], positionOf, backend);
  assert.deepEqual(got.logits, want);
  const residOnly = await steeredForward(model, ids, [clampResid], positionOf, backend);
  assert.notDeepEqual(residOnly.logits, want, 'the clamp reads an activation the MLP intervention moved');
});

test('ADD raises the mean log-probability of the tokens the feature promotes, monotonically over 0,1,2,4,8 x max', async () => {
  // A trained feature, not a random one: a random encoder's "max activation" (~72 here) dwarfs the residual stream
  // (norm ~23), so 1x already swamps it, and since the final LayerNorm is scale-invariant, 2x, 4x and 8x moved
  // log p(T) by under 0.02 (saturated). A trained feature's max activation is on the scale of the stream.
  // Feature: the latent active on most rows of the text; its unit: its max activation over the text and the CLI's
  // sample (estimateMaxActivation); T: the 10 tokens its logit effects, as the analysis stores them, promote.
  const { ids, positionOf } = textWindow();
  const { codes } = await hookAndCodes(RESID, trained);
  const feature = mostActive(codes.indices);
  const [maxActivation] = await estimateMaxActivation(model, trained, RESID, [feature], TEXT, backend);
  assert.ok(maxActivation > 0, `feature ${feature} fires`);
  const analysis = { sae: trained.sae, model: model.loaded, hook: RESID, backend, documents: [], contextSize: 64, prependBos: true }; // prettier-ignore
  // tokenText = the id itself, so the stored effects name token ids.
  const effects = await logitEffects(analysis, (id) => String(id));
  const stored = effects?.[feature];
  assert.ok(stored, 'a residual-stream hook has logit effects');
  const promoted = stored.positive.map((t) => Number(t.token));
  assert.equal(promoted.length, 10);
  const vocab = model.config.vocabSize;
  const means: number[] = [];
  for (const s of [0, 1, 2, 4, 8]) {
    const add: ResolvedIntervention = { dictionary: trained, hook: RESID, feature, kind: 'add', value: s * maxActivation, positions: null }; // prettier-ignore
    const { logits } = await steeredForward(model, ids, [add], positionOf, backend);
    let sum = 0;
    for (let r = 1; r < ids.length; r++) {
      const row = logits.subarray(r * vocab, (r + 1) * vocab);
      const lse = logSumExp(row);
      for (const t of promoted) sum += row[t] - lse; // ln p(t)
    }
    means.push(sum / ((ids.length - 1) * promoted.length));
  }
  // A strict rise at every step, each by a margin float rounding cannot produce.
  for (let i = 1; i < means.length; i++)
    assert.ok(means[i] > means[i - 1] + 0.05, `feature ${feature}: mean log p(T) over 0,1,2,4,8x: ${means.join(', ')}`);
});

test('the same seed gives the same text; different seeds give different samples', async () => {
  const { feature, maxActivation } = await busiestFeature(RESID, resid);
  const steering: Intervention[] = [{ dictionaryId: 1, feature, kind: 'add', strength: 2, maxActivation }];
  const a = await steer(model, request(steering, sampled({ seed: 11, maxNewTokens: 24 })), backend);
  const b = await steer(model, request(steering, sampled({ seed: 11, maxNewTokens: 24 })), backend);
  const c = await steer(model, request(steering, sampled({ seed: 12, maxNewTokens: 24 })), backend);
  assert.deepEqual(a.steered.tokens, b.steered.tokens);
  assert.deepEqual(a.default.tokens, b.default.tokens);
  assert.notDeepEqual(tokenIds(a.default), tokenIds(c.default));
  assert.notDeepEqual(tokenIds(a.steered), tokenIds(c.steered));
  assert.notDeepEqual(tokenIds(a.steered), tokenIds(a.default), 'steering at 2x max activation changes the text');
  for (const t of a.steered.tokens) {
    assert.ok(t.logprob <= 0 && Number.isFinite(t.logprob));
    assert.equal(t.changed!.length, 5);
    const deltas = t.changed!.map((x) => Math.abs(x.steered - x.default));
    assert.deepEqual(
      deltas,
      [...deltas].sort((x, y) => y - x),
    );
  }
  assert.equal(a.default.tokens[0].changed, undefined);
});

test('past the context the window slides: each token is the greedy choice on the last context-1 tokens after BOS', async () => {
  const windows = resid.windowsOn(model);
  const prompt = Array.from(model.tokenizer.encode(`${TEXT} ${TEXT} ${TEXT}`).ids).slice(0, 60);
  const g = await generate(model, prompt, {
    sampling: greedy({ maxNewTokens: 8 }),
    windows,
    interventions: [],
    backend,
  });
  const all = [...prompt, ...tokenIds(g)];
  const keep = windows.contextSize - 1;
  for (const step of [0, 7]) {
    const body = all.slice(0, prompt.length + step).slice(-keep);
    const ids = Int32Array.from([windows.bosId!, ...body]);
    const { logits } = await model.run(ids, 1, ids.length, { logits: true });
    const row = logits!.subarray((ids.length - 1) * model.config.vocabSize, ids.length * model.config.vocabSize);
    assert.equal(row.indexOf(Math.max(...row)), g.tokens[step].id, `step ${step}`);
  }
});

test('an intervention at chosen positions leaves every token before them as the default predicts', async () => {
  const { feature, maxActivation } = await busiestFeature(RESID, resid);
  const prompt = Array.from(model.tokenizer.encode('The river was').ids);
  // The token generated at step k sits at position prompt.length + k; row p of the window predicts position p + 1.
  const at = prompt.length + 5;
  const r = await steer(
    model,
    request([{ dictionaryId: 1, feature, kind: 'add', strength: 8, maxActivation, positions: [at] }], greedy()),
    backend,
  );
  assert.deepEqual(tokenIds(r.steered).slice(0, 6), tokenIds(r.default).slice(0, 6));
  assert.notDeepEqual(tokenIds(r.steered).slice(6), tokenIds(r.default).slice(6));
});

test('an aborted request stops between tokens', async () => {
  const { feature, maxActivation } = await busiestFeature(RESID, resid);
  const controller = new AbortController();
  controller.abort(new Error('client went away'));
  await assert.rejects(
    steer(
      model,
      request([{ dictionaryId: 1, feature, kind: 'add', strength: 1, maxActivation }]),
      backend,
      DEFAULT_STEER_LIMITS,
      controller.signal,
    ),
    /client went away/,
  );
});

test('bad input is refused with the field named', async () => {
  const ok: Intervention = { dictionaryId: 1, feature: 3, kind: 'add', strength: 2, maxActivation: 5 };
  const refused = (r: SteerRequest, pattern: RegExp) =>
    assert.throws(
      () => resolveRequest(model, r, 3),
      (err: unknown) => err instanceof InferenceRefused && err.code === 'ARGUMENT_INVALID' && pattern.test(err.message),
    );
  refused(
    request([{ ...ok, feature: 64 }]),
    /^interventions\[0\]\.feature: 64 is not a feature of dictionary 1 \(0 to 63\)/,
  );
  refused(request([{ ...ok, feature: 1.5 }]), /^interventions\[0\]\.feature/);
  refused(request([ok, { ...ok, strength: NaN }]), /^interventions\[1\]\.strength: .*NaN/);
  refused(request([{ ...ok, strength: 1e9 }]), /^interventions\[0\]\.strength: must be a number from -1000 to 1000/);
  refused(request([{ ...ok, maxActivation: undefined }]), /^interventions\[0\]\.maxActivation: .*unit raw/);
  refused(request([{ ...ok, dictionaryId: 9 }]), /^interventions\[0\]\.dictionaryId: 9 .*\(1, 2\)/);
  refused(request([{ ...ok, positions: [3 + 12] }]), /^interventions\[0\]\.positions: 15 is out of range.*0 to 14/);
  refused(request([{ ...ok, positions: [-1] }]), /^interventions\[0\]\.positions: -1/);
  refused(request(Array(DEFAULT_STEER_LIMITS.interventions + 1).fill(ok)), /^interventions: 17 given; at most 16/);
  refused(request([]), /^interventions: none given/);
  refused(request([ok], greedy({ maxNewTokens: 257 })), /^maxNewTokens: .*1 to 256 \(got 257\)/);
  refused(request([ok], greedy({ temperature: -1 })), /^temperature/);
  refused(request([ok], greedy({ topP: 0 })), /^topP/);
  refused(request([ok], greedy({ seed: 1.5 })), /^seed/);
  const other = new InferenceDictionary(randomDictionary({ dIn: 96, dSae: 8, seed: 1 }));
  refused(
    { ...request([ok]), dictionaries: [{ id: 1, hook: RESID, dictionary: other }] },
    /^dictionaries\[0\]: dictionary 1 reads 96-wide .* 128 wide; its weights belong to another model/,
  );
  refused(
    {
      ...request([ok]),
      dictionaries: [
        { id: 1, hook: RESID, dictionary: resid, model: 'tiny-brown' },
        { id: 2, hook: MLP, dictionary: mlp, model: 'gpt2-small' },
      ],
    },
    /^dictionaries\[1\]\.model: dictionary 2 belongs to gpt2-small but another to tiny-brown/,
  );
  refused(
    { ...request([ok]), dictionaries: [{ id: 1, hook: 'blocks.3.hook_resid_post', dictionary: resid }] },
    /^dictionaries\[0\]\.hook: blocks\.3\.hook_resid_post is not a hook/,
  );
  const transcoder = randomDictionary({ dIn: 128, dSae: 8, seed: 1, applyBDecToInput: false });
  transcoder.transcoder = { architecture: 'transcoder', dOut: 128, hookNameOut: MLP };
  refused(
    {
      ...request([ok]),
      dictionaries: [{ id: 1, hook: 'blocks.0.ln2.hook_normalized', dictionary: new InferenceDictionary(transcoder) }],
    },
    /^dictionaries\[0\]\.hookNameOut: transcoder 1 writes 128-wide rows but blocks\.0\.mlp\.hook_post of builtin:tiny-brown is 512 wide/,
  );
  transcoder.transcoder = { ...transcoder.transcoder, hookNameOut: null };
  refused(
    {
      ...request([ok]),
      dictionaries: [{ id: 1, hook: 'blocks.0.ln2.hook_normalized', dictionary: new InferenceDictionary(transcoder) }],
    },
    /^dictionaries\[0\]\.hookNameOut: transcoder 1 names no output hook \(cfg\.json hook_name_out\)/,
  );
  assert.equal(resolveRequest(model, request([ok]), 3)[0].value, 10, '2 x max activation 5');
  await assert.rejects(
    steer(model, { ...request([ok]), prompt: '' }, backend),
    /^InferenceRefused: prompt: has no tokens/,
  );
});
