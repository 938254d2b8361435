// Steering throughput (issue 16): generated tokens/s, steered and default, on the built-in model and on a random
// GPT-2-small-shaped model (d 768, 12 layers, vocab 50,257), at a 64-token prompt for 128 new tokens, with the time
// to first token. A steered token's default logits (for the tokens steering moved most) come from the same pass, as a
// second batch row. Goal on a 2-core machine: >= 500 tok/s built-in, >= 30 tok/s GPT-2-small (memory-bound: every
// token reads all the float32 weights once without batching, so the bandwidth that rate implies is printed).
//   npm run bench:steer [-- --quick] [-- --no-cache]
// --quick: 32 new tokens, GPT-2-small skipped; --no-cache (or ATLAS_STEER_CACHE=0): recompute every window.
import { availableParallelism } from 'node:os';
import { rmSync } from 'node:fs';
import { machineLine } from './machine.js';
import { loadBackend } from '../src/engine/backendRegistry.js';
import { Rng } from '../src/engine/rng.js';
import { InferenceDictionary } from '../src/inference/inferenceDictionary.js';
import { InferenceModel } from '../src/inference/inferenceModel.js';
import { randomDictionary } from '../src/inference/randomDictionary.testing.js';
import { generate, type GenerateOptions } from '../src/steering/generate.js';
import type { ResolvedIntervention } from '../src/steering/intervention.js';
import { writeRandomModel } from '../src/transformer/randomModel.js';

const quick = process.argv.includes('--quick');
const PROMPT = 64;
const NEW = quick ? 32 : 128;
const HOOK = 'blocks.0.hook_resid_post';
const cache = !process.argv.includes('--no-cache') && process.env.ATLAS_STEER_CACHE !== '0';

const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
console.log(machineLine());
const backend = await loadBackend('auto', { threads: availableParallelism() });

interface Row {
  tokPerS: number;
  firstMs: number;
}

/** One generation of NEW greedy tokens after a PROMPT-token prompt; tok/s counts the new tokens over the whole call. */
async function run(
  model: InferenceModel,
  o: Omit<GenerateOptions, 'sampling' | 'backend'>,
  promptLength: number,
  newTokens: number,
): Promise<Row> {
  const rng = new Rng(5);
  const vocab = model.tokenizer.vocabSize;
  const prompt = Array.from({ length: promptLength }, () => Math.floor(rng.next() * vocab));
  let first = 0;
  const t0 = performance.now();
  await generate(model, prompt, {
    ...o,
    backend,
    cache,
    sampling: { maxNewTokens: newTokens, temperature: 0, topP: 1, frequencyPenalty: 0, seed: 1 },
    onToken: () => {
      first ||= performance.now() - t0;
    },
  });
  return { tokPerS: (newTokens * 1000) / (performance.now() - t0), firstMs: first };
}

async function benchModel(
  label: string,
  model: InferenceModel,
  contextSize: number,
  weightBytes: number,
  promptLength = PROMPT,
  newTokens = NEW,
) {
  const windows = model.windows({ contextSize, prependBos: model.loaded.bosId !== undefined });
  const dictionary = new InferenceDictionary(randomDictionary({ dIn: model.config.dModel, dSae: 256, k: 8, seed: 3 }));
  const steer: ResolvedIntervention[] = [
    { dictionary, hook: HOOK, feature: 7, kind: 'add', value: 4, positions: null },
  ];
  // CLAMP reads the feature's activation, so it needs the hook before it can steer (a pass up to the hook first).
  const clamp: ResolvedIntervention[] = [{ ...steer[0], kind: 'clamp' }];
  // warm-up: builds the sessions (the window's, then the incremental one)
  await run(model, { windows, interventions: [] }, promptLength, 3);
  await run(model, { windows, interventions: steer }, promptLength, 3);
  await run(model, { windows, interventions: clamp }, promptLength, 3);
  for (const [kind, interventions] of [
    ['default', []],
    ['steered (ADD)', steer],
    ['steered (CLAMP)', clamp],
  ] as const) {
    const r = await run(model, { windows, interventions }, promptLength, newTokens);
    const gbs = (r.tokPerS * weightBytes) / 1e9;
    console.log(
      `${label} ${kind}: ${r.tokPerS.toFixed(1)} tok/s, first token ${r.firstMs.toFixed(1)} ms` +
        ` (prompt ${promptLength}, ${newTokens} new, window ${windows.contextSize}; weights ${mb(weightBytes)}, ${gbs.toFixed(1)} GB/s of weight reads)`,
    );
  }
}

/** Float32 bytes one token reads: every block's matrices and the unembedding (the embedding is one row). */
const weightBytes = (c: InferenceModel['config']) =>
  4 * (c.nLayer * (4 * c.dModel * c.dModel + 2 * c.dModel * c.dMlp) + c.vocabSize * c.dModel);

console.log(`key/value cache: ${cache ? 'on' : 'off (--no-cache)'}`);
const builtin = await InferenceModel.load('builtin');
await benchModel('built-in', builtin, builtin.config.nPositions, weightBytes(builtin.config));
console.log('  goal: >= 500 tok/s (a 64-token prompt fills the 64-position window: every token slides it)');
await benchModel('built-in, prompt 16', builtin, builtin.config.nPositions, weightBytes(builtin.config), 16, 47);
builtin.dispose();

if (!quick) {
  const shape = { vocab: 50257, ctx: 1024, d: 768, heads: 12, mlp: 3072, layers: 12, eps: 1e-5 };
  const t0 = performance.now();
  const dir = writeRandomModel(undefined, shape);
  const small = await InferenceModel.load(dir);
  // The random folder's tokenizer covers a few hundred of its ids: name the others by number.
  const tok = small.tokenizer;
  const plain = tok.tokenText.bind(tok);
  tok.tokenText = (id) => (id < tok.vocabSize ? plain(id) : `<${id}>`);
  console.log(`gpt2-small shape: written and loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await benchModel('gpt2-small', small, PROMPT + NEW, weightBytes(small.config));
  console.log('  goal: >= 30 tok/s');
  small.dispose();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  'feature-page p50 under 4 generations: not measured (needs the api and a database; a worker bench cannot import api/)',
);
backend.dispose();
