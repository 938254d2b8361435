// CE loss recovered: how much of the model's next-token loss survives when the dictionary's reconstruction
// replaces the activations at its hook, between the clean model and the hook zero-ablated.
import { InferenceDictionary } from '../inference/inferenceDictionary.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import type { AnalysisResult, AnalyzeOptions } from './analysisOptions.js';

/**
 * CE loss of the model with the dictionary's reconstruction spliced in at the hook, against the clean and the
 * zero-ablated loss, on the first windows of the corpus: recovered = (zero − spliced) / (zero − clean).
 */
export async function ceLossRecovered(o: AnalyzeOptions): Promise<AnalysisResult['ceLoss']> {
  const { sae } = o;
  const model = InferenceModel.of(o.model);
  const ctx = o.contextSize;
  const windows: number[][] = [];
  for (const doc of o.documents) {
    for (let s = 0; s + ctx <= doc.tokens.length && windows.length < 64; s += ctx)
      windows.push(doc.tokens.slice(s, s + ctx));
    if (windows.length >= 64) break;
  }
  if (windows.length === 0) return undefined;
  const seq = ctx - 1;
  const inputIds = new Int32Array(windows.length * seq);
  const targetIds = new Int32Array(windows.length * seq);
  windows.forEach((w, b) => {
    inputIds.set(w.slice(0, seq), b * seq);
    targetIds.set(w.slice(1), b * seq);
  });
  const vocab = model.config.vocabSize;
  const loss = async (replacement?: Float32Array) => {
    const result = await model.run(inputIds, windows.length, seq, {
      hooks: replacement ? [] : [o.hook],
      logits: true,
      feed: replacement ? { [o.hook]: replacement } : undefined,
    });
    return { value: meanCrossEntropy(result.logits!, targetIds, vocab), acts: result.hooks[o.hook] };
  };
  const clean = await loss();
  const n = clean.acts.length / sae.dIn;
  const dictionary = new InferenceDictionary(sae, o.backend);
  const recon = dictionary.decode(await dictionary.encode(o.backend, clean.acts, n));
  const spliced = (await loss(recon)).value;
  const zeroAblated = (await loss(new Float32Array(n * sae.dIn))).value;
  const recovered = (zeroAblated - spliced) / (zeroAblated - clean.value);
  return { clean: clean.value, spliced, zeroAblated, recovered };
}

/**
 * Mean next-token cross-entropy (nats) of logits [n, vocab] against targets [n], on the host: the same value as
 * the transformer's `crossEntropy`, without its one-hot [n, vocab] tensors (the bulk of the CE step on wasm).
 */
export function meanCrossEntropy(logits: Float32Array, targets: Int32Array, vocab: number): number {
  let total = 0;
  for (let t = 0; t < targets.length; t++) {
    const o = t * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) if (logits[o + v] > max) max = logits[o + v];
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[o + v] - max);
    total += max + Math.log(sum) - logits[o + targets[t]];
  }
  return total / targets.length;
}
