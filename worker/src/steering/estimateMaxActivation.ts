// An estimate of a feature's max activation where the atlas's recorded value is not at hand (the CLI): the largest
// activation on the prompt plus a short built-in sample. It undershoots the corpus maximum the atlas records, so
// a strength in these units steers harder than the same strength with the atlas's value.
import type { Backend } from '../engine/backend.js';
import type { InferenceDictionary } from '../inference/inferenceDictionary.js';
import type { InferenceModel } from '../inference/inferenceModel.js';

/** A few sentences of plain English prose, the sample the estimate adds to the prompt. */
export const MAX_ACTIVATION_SAMPLE = [
  'The jury said it did find that many of the election laws were outmoded or inadequate.',
  'He walked under the old bridge and then away from the river, past the dogs and the house.',
  'She had never heard anything like it, and for a long time she could not say what she felt.',
  'The committee will meet again on Monday to consider the budget for the coming year.',
  'In the morning the children ran down to the water, laughing, while their father made coffee.',
];

/** The largest activation of `features` of `dictionary` at `hook` over `prompt` and the sample (0 if never active). */
export async function estimateMaxActivation(
  model: InferenceModel,
  dictionary: InferenceDictionary,
  hook: string,
  features: readonly number[],
  prompt: string,
  backend: Backend,
): Promise<number[]> {
  const documents = [prompt, ...MAX_ACTIVATION_SAMPLE].map((text, doc) => ({
    doc,
    tokens: Array.from(model.tokenizer.encode(text).ids),
  }));
  const wanted = new Map(features.map((f, k) => [f, k]));
  const max = features.map(() => 0);
  const batches = model.activations({ documents, hook, windows: dictionary.windowsOn(model), batchSize: 8 });
  for await (const batch of batches) {
    const codes = await dictionary.encode(backend, batch.acts, batch.tokens.length);
    for (let j = 0; j < codes.indices.length; j++) {
      const k = wanted.get(codes.indices[j]);
      if (k !== undefined) max[k] = Math.max(max[k], codes.values[j]);
    }
  }
  return max;
}
