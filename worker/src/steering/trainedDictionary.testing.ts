// A small TopK dictionary trained by the worker's own code on the built-in model's activations at one hook, for
// tests that need real features (ones with a corpus max activation on the scale of the hook's activations and logit
// effects that mean something), not random directions.
import type { Backend } from '../engine/backend.js';
import { foldWeights } from '../engine/sae/saelensFormat.js';
import { trainedWeights } from '../engine/train.js';
import { trainOnArray } from '../engine/trainRun.js';
import { InferenceDictionary } from '../inference/inferenceDictionary.js';
import type { InferenceModel } from '../inference/inferenceModel.js';
import { MAX_ACTIVATION_SAMPLE } from './estimateMaxActivation.js';

/** A 64-latent TopK (k 4) dictionary at `hook`, trained on MAX_ACTIVATION_SAMPLE's windows; seconds on 2 cores. */
export async function trainedDictionary(
  model: InferenceModel,
  hook: string,
  backend: Backend,
  seed = 5,
): Promise<InferenceDictionary> {
  const documents = MAX_ACTIVATION_SAMPLE.map((text, doc) => ({
    doc,
    tokens: Array.from(model.tokenizer.encode(text).ids),
  }));
  const windows = model.windows({ contextSize: model.config.nPositions, prependBos: true });
  const chunks: Float32Array[] = [];
  let rows = 0;
  for await (const batch of model.activations({ documents, hook, windows, batchSize: 8 })) {
    chunks.push(batch.acts);
    rows += batch.tokens.length;
  }
  const acts = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    acts.set(c, offset);
    offset += c.length;
  }
  const dIn = acts.length / rows;
  const cfg = { arch: 'topk', dSae: 64, archOptions: { k: 4 }, batchSize: 64, tokens: 64 * 40, seed };
  const trainer = await trainOnArray(backend, acts, rows, dIn, cfg);
  return new InferenceDictionary({ ...foldWeights(trainedWeights(trainer)), applyBDecToInput: true, cfg: {} });
}
