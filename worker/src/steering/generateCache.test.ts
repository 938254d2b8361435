// The key/value cache of generation: the incremental path gives the same tokens and log-probabilities (within
// 1e-4) as recomputing each window, default and steered (at a hook upstream of attention's keys and values, at the
// MLP, at chosen positions, at two hooks), greedy and sampled, while the text fits its window and across a slide.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../engine/backend.js';
import { loadBackend } from '../engine/backendRegistry.js';
import { InferenceDictionary } from '../inference/inferenceDictionary.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import { randomDictionary } from '../inference/randomDictionary.testing.js';
import type { ModelWindows } from '../transformer/modelFolder.js';
import { randomModelShape, writeRandomModel } from '../transformer/randomModel.js';
import { writeRandomModelFolder } from '../transformer/randomModelFolder.js';
import { generate, type Generation, type SamplingOptions } from './generate.js';
import type { ResolvedIntervention } from './intervention.js';

const TOLERANCE = 1e-4;
let builtin: InferenceModel;
let random: InferenceModel;
let backend: Backend;

before(async () => {
  builtin = await InferenceModel.load('builtin');
  random = await InferenceModel.load(writeRandomModel());
  // The random model's tokenizer covers 261 of its 300 ids: name the others by number.
  const tok = random.tokenizer;
  const plain = tok.tokenText.bind(tok);
  tok.tokenText = (id) => (id < tok.vocabSize ? plain(id) : `<${id}>`);
  backend = await loadBackend('auto', { threads: 2 });
});
after(() => {
  builtin.dispose();
  random.dispose();
  backend.dispose();
});

const greedy: SamplingOptions = { maxNewTokens: 24, temperature: 0, topP: 1, frequencyPenalty: 0, seed: 1 };
const sampled: SamplingOptions = { ...greedy, temperature: 1, topP: 0.9, frequencyPenalty: 0.3, seed: 7 };

/** Generate with and without the cache and assert the same tokens, log-probabilities and changed tokens. */
async function assertSame(
  model: InferenceModel,
  promptIds: number[],
  windows: ModelWindows,
  interventions: ResolvedIntervention[],
  sampling: SamplingOptions,
): Promise<Generation & { incremental: number; fullWindows: number }> {
  const o = { sampling, windows, interventions, backend };
  const full = await generate(model, promptIds, { ...o, cache: false });
  const plainRun = model.run.bind(model);
  let incremental = 0;
  let fullWindows = 0;
  model.run = (ids, batch, seq, ro) => {
    if (ro.logits && ro.past) incremental++;
    else if (ro.logits) fullWindows++;
    return plainRun(ids, batch, seq, ro);
  };
  const cached = await generate(model, promptIds, { ...o, cache: true }).finally(() => {
    model.run = plainRun;
  });
  assert.deepEqual(
    cached.tokens.map((t) => t.id),
    full.tokens.map((t) => t.id),
  );
  let maxDiff = 0;
  for (const [i, t] of cached.tokens.entries()) {
    const f = full.tokens[i];
    maxDiff = Math.max(maxDiff, Math.abs(t.logprob - f.logprob));
    // The most changed tokens: the same |Δp| in order, and the same probabilities for each token both list (where
    // steering leaves a row as it was every |Δp| is ~0, and rounding decides which ids are listed).
    assert.equal(t.changed?.length, f.changed?.length);
    for (const [j, c] of (t.changed ?? []).entries()) {
      const fc = f.changed![j];
      const same = f.changed!.find((x) => x.id === c.id);
      maxDiff = Math.max(maxDiff, Math.abs(Math.abs(c.steered - c.default) - Math.abs(fc.steered - fc.default)));
      if (same) maxDiff = Math.max(maxDiff, Math.abs(c.steered - same.steered), Math.abs(c.default - same.default));
    }
  }
  assert.ok(maxDiff <= TOLERANCE, `max log-probability/probability difference ${maxDiff} > ${TOLERANCE}`);
  return { ...cached, incremental, fullWindows };
}

function interventionsOn(model: InferenceModel): Record<string, ResolvedIntervention[]> {
  const { dModel, dMlp } = model.config;
  const resid = new InferenceDictionary(randomDictionary({ dIn: dModel, dSae: 64, k: 4, seed: 3 }));
  const mlp = new InferenceDictionary(randomDictionary({ dIn: dMlp, dSae: 64, k: 4, seed: 4 }));
  const last = model.config.nLayer - 1;
  const add = (hook: string, dictionary: InferenceDictionary, value: number, positions: number[] | null = null) => ({
    dictionary,
    hook,
    feature: 5,
    kind: 'add' as const,
    value,
    positions: positions && new Set(positions),
  });
  return {
    default: [],
    'ADD before attention (resid_pre)': [add('blocks.0.hook_resid_pre', resid, 6)],
    'CLAMP at the MLP': [{ ...add(`blocks.${last}.mlp.hook_post`, mlp, 8), kind: 'clamp' }],
    'ADD at chosen positions': [add(`blocks.${last}.hook_resid_post`, resid, 10, [1, 4, 9, 15])],
    'two hooks': [add('blocks.0.hook_resid_pre', resid, 4), add(`blocks.${last}.hook_attn_out`, resid, 5)],
  };
}

test('built-in model: cached generation equals recomputed windows, within the window and across a slide', async () => {
  const prompt = Array.from(builtin.tokenizer.encode('The river was').ids);
  // context 16 with BOS: 15 text tokens fit, so the window slides after a dozen new tokens
  const narrow = builtin.windows({ contextSize: 16, prependBos: true });
  const wide = builtin.windows({ prependBos: true });
  for (const [name, interventions] of Object.entries(interventionsOn(builtin)))
    for (const [windows, sampling] of [
      [narrow, greedy],
      [narrow, sampled],
      [wide, greedy],
    ] as const) {
      const g = await assertSame(builtin, prompt, windows, interventions, sampling).catch((e: Error) => {
        throw new Error(`${name}, context ${windows.contextSize}, temperature ${sampling.temperature}: ${e.message}`);
      });
      assert.equal(g.tokens.length, sampling.maxNewTokens);
      // one logits pass per token, steered or not: a steered token's default logits ride in the same pass as a
      // second batch row (the weights are read once)
      const perToken = 1;
      // narrow: the prompt's window, then incremental until the window is full, then a full window per token
      const fits = windows.contextSize - 1 - prompt.length; // tokens after the prompt's that fit the window
      const incrementalTokens = windows === narrow ? fits : sampling.maxNewTokens - 1;
      assert.equal(g.incremental, incrementalTokens * perToken, name);
      assert.equal(g.fullWindows, (sampling.maxNewTokens - incrementalTokens) * perToken, name);
    }
});

test('a random two-layer model without BOS: the same, with past keys and values in every layer', async () => {
  assert.equal(randomModelShape.layers, 2);
  const prompt = [3, 40, 7];
  const windows = random.windows({ prependBos: false }); // 12 positions: slides after 9 new tokens
  for (const [name, interventions] of Object.entries(interventionsOn(random)))
    await assertSame(random, prompt, windows, interventions, { ...greedy, maxNewTokens: 16 }).catch((e: Error) => {
      throw new Error(`${name}: ${e.message}`);
    });
});

test('Llama (grouped-query keys and values) and NeoX (partial rotary) models: the same, steered and not', async () => {
  for (const type of ['llama', 'gpt_neox'] as const) {
    const dir = mkdtempSync(join(tmpdir(), `gen-${type}-`));
    const sizes = { vocab: 300, ctx: 12, d: 32, heads: 4, kvHeads: 2, mlp: 40, layers: 2 };
    writeRandomModelFolder(dir, type, sizes, { seed: 9 });
    const model = await InferenceModel.load(dir);
    try {
      const tok = model.tokenizer;
      const plain = tok.tokenText.bind(tok);
      tok.tokenText = (id) => (id < tok.vocabSize ? plain(id) : `<${id}>`);
      const windows = model.windows({ prependBos: false }); // 12 positions: slides after 9 new tokens
      // the plain pass, a fed (CLAMP) hook and added terms at two hooks: a steered batch of two stacks two caches
      const { default: none, 'CLAMP at the MLP': clamp, 'two hooks': two } = interventionsOn(model);
      for (const [name, interventions] of Object.entries({ none, clamp, two }))
        await assertSame(model, [3, 40, 7], windows, interventions, { ...greedy, maxNewTokens: 12 }).catch(
          (e: Error) => {
            throw new Error(`${type}, ${name}: ${e.message}`);
          },
        );
    } finally {
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
