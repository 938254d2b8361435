// Small dictionaries trained by the worker's own code on the built-in tiny LM, for analyzeText tests and the
// bench: activations from the model's forward pass, a TopK SAE trained on them, saved as a SAELens folder with
// the provenance the analysis pass reads (model, hook, context, BOS).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedModel } from '@atlas/worker';

export const TINY_LM = 'builtin:tiny-brown';
export const TINY_HOOK = 'blocks.0.hook_resid_post';

const TRAINING_TEXT = [
  'The jury said it did find that many of the election laws were outmoded or inadequate.',
  'He walked under the old bridge and then away from the river, past the dogs.',
  'In 1961 Kennedy spoke to the nation about the space program and its costs.',
  'She had been working on the farm for years, and the harvest was good this season.',
  'The committee recommended that the city council approve the new budget by Friday.',
];

/** Token ids of `text` windows, the model's activations at TINY_HOOK for them: [rows, dModel]. */
export async function tinyLmActivations(
  model: LoadedModel,
  texts: string[],
): Promise<{ acts: Float32Array; rows: number }> {
  const w = await import('@atlas/worker');
  const chunks: Float32Array[] = [];
  let rows = 0;
  const documents = texts.map((text, doc) => ({
    doc,
    id: String(doc),
    text,
    tokens: Array.from(model.tokenizer.encode(text).ids),
    starts: [],
    ends: [],
  }));
  for await (const batch of w.streamActivations({
    model,
    documents,
    hook: TINY_HOOK,
    contextSize: model.config.nPositions,
    bosId: model.bosId,
    batchSize: 16,
  })) {
    chunks.push(batch.acts);
    rows += batch.tokens.length;
  }
  const acts = new Float32Array(rows * model.config.dModel);
  let o = 0;
  for (const c of chunks) {
    acts.set(c, o);
    o += c.length;
  }
  return { acts, rows };
}

/** Train a TopK dictionary on the tiny LM's activations and write it as a SAELens folder `dir/name`. */
export async function trainTinyLmDictionary(
  model: LoadedModel,
  dir: string,
  name: string,
  options: { dSae: number; k: number; seed: number },
): Promise<string> {
  const w = await import('@atlas/worker');
  const texts = Array.from({ length: 8 }, (_, i) => TRAINING_TEXT.map((t, j) => TRAINING_TEXT[(i + j) % 5] + ' ' + t));
  const { acts, rows } = await tinyLmActivations(model, texts.flat());
  const backend = await w.loadBackend('reference');
  try {
    const trainer = await w.trainOnArray(backend, acts, rows, model.config.dModel, {
      arch: 'topk',
      dSae: options.dSae,
      archOptions: { k: options.k },
      batchSize: 128,
      tokens: 128 * 30,
      seed: options.seed,
      medianSampleRows: 256,
    });
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    w.writeSaelens(folder, w.trainedWeights(trainer), {
      provenance: {
        model: TINY_LM,
        hook: TINY_HOOK,
        tokenizer: model.tokenizerIdentity,
        contextSize: model.config.nPositions,
        prependBos: true,
        corpus: 'api test sentences',
      },
    });
    return folder;
  } finally {
    backend.dispose();
  }
}

/** A random TopK dictionary (k 3) at `hook` (dModel wide) of the tiny LM, written as a SAELens folder `dir/name`. */
export async function randomTinyLmDictionary(
  model: LoadedModel,
  dir: string,
  name: string,
  options: { hook: string; dSae: number; seed: number },
): Promise<string> {
  const w = await import('@atlas/worker');
  let seed = options.seed;
  const uniforms = (n: number) =>
    Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648 - 0.5;
    });
  const { dModel: dIn } = model.config;
  const { dSae } = options;
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  w.writeSaelens(
    folder,
    {
      architecture: 'topk',
      dIn,
      dSae,
      k: 3,
      wEncT: uniforms(dSae * dIn),
      bEnc: new Float32Array(dSae),
      wDec: uniforms(dSae * dIn),
      bDec: new Float32Array(dIn),
      scale: 1,
    },
    {
      provenance: {
        model: TINY_LM,
        hook: options.hook,
        tokenizer: model.tokenizerIdentity,
        contextSize: model.config.nPositions,
        prependBos: true,
        corpus: 'none (random weights)',
      },
    },
  );
  return folder;
}
