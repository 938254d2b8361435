// CE loss recovered: how much of the model's next-token loss survives when the dictionary's reconstruction
// replaces the activations at its hook, between the clean model and the hook zero-ablated. A transcoder's
// prediction replaces the activations at its output hook (from its input hook's), and that hook is the one ablated.
import { InferenceDictionary } from '../inference/inferenceDictionary.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import type { AnalysisResult, AnalyzeOptions } from './analysisOptions.js';

/** Bytes of logits one run of the CE loss returns, at most (one window's always). */
const LOGITS_BYTES = 64 * 2 ** 20;

/**
 * CE loss of the model with the dictionary's reconstruction spliced in at the hook, against the clean and the
 * zero-ablated loss, on the first windows of the corpus: recovered = (zero − spliced) / (zero − clean).
 */
export async function ceLossRecovered(
  o: AnalyzeOptions,
  onSkipped?: (reason: string) => void,
): Promise<AnalysisResult['ceLoss']> {
  const losses = await splicedLosses(o);
  if (losses && 'skipped' in losses) onSkipped?.(losses.skipped);
  if (!losses || 'skipped' in losses) return undefined;
  const { clean, spliced, zeroAblated, recovered } = losses;
  return { clean, spliced, zeroAblated, recovered };
}

/** Why CE loss cannot be measured for a dictionary before any run, in words for the log. */
function ceLossSkippedReason(sae: AnalyzeOptions['sae']): string | undefined {
  if (sae.transcoder && !sae.transcoder.hookNameOut)
    return "CE loss skipped: the transcoder's cfg.json names no hook_name_out to splice its prediction into";
  return undefined;
}

/**
 * The losses of `ceLossRecovered` and the mean KL divergence (nats per token) of the spliced model's next-token
 * distribution from the clean one's, KL(clean ‖ spliced), as SAEBench's core eval reports it. A transcoder reads
 * its input hook on the clean run and its prediction is spliced at its output hook; `skipped` says why not, where
 * that splice cannot be measured (no output hook, or one upstream of the input hook).
 */
export async function splicedLosses(
  o: Pick<AnalyzeOptions, 'sae' | 'model' | 'contextSize' | 'documents' | 'hook' | 'backend'>,
): Promise<
  | { clean: number; spliced: number; zeroAblated: number; recovered: number; klSpliced: number }
  | { skipped: string }
  | undefined
> {
  const { sae } = o;
  const skipped = ceLossSkippedReason(sae);
  if (skipped) return { skipped };
  // Where the reconstruction goes: the hook read, or a transcoder's output hook.
  const target = sae.transcoder?.hookNameOut ?? o.hook;
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
  const vocab = model.config.vocabSize;
  const dictionary = new InferenceDictionary(sae);
  // Windows per run: two runs' logits [windows·seq, vocab] are held at once (clean and spliced, for the KL), so
  // GPT-2's 50,257-token vocabulary is run a few windows at a time (~64 MB of logits each), a small one all at once.
  const perRun = Math.max(1, Math.floor(LOGITS_BYTES / (4 * seq * vocab)));
  const sums = { clean: 0, spliced: 0, zeroAblated: 0, kl: 0, rows: 0 };
  for (let w0 = 0; w0 < windows.length; w0 += perRun) {
    const part = windows.slice(w0, w0 + perRun);
    const inputIds = new Int32Array(part.length * seq);
    const targetIds = new Int32Array(part.length * seq);
    part.forEach((w, b) => {
      inputIds.set(w.slice(0, seq), b * seq);
      targetIds.set(w.slice(1), b * seq);
    });
    // The spliced runs record the input hook too when it is not the fed one: a transcoder's prediction only
    // replaces its output if the input it was computed from comes first, i.e. is left unchanged by the splice.
    const loss = async (replacement?: Float32Array) => {
      const result = await model.run(inputIds, part.length, seq, {
        hooks: replacement && target === o.hook ? [] : [o.hook],
        logits: true,
        feed: replacement ? { [target]: replacement } : undefined,
      });
      const logits = result.logits!;
      return { value: meanCrossEntropy(logits, targetIds, vocab), acts: result.hooks[o.hook], logits };
    };
    const clean = await loss();
    const n = clean.acts.length / sae.dIn;
    const recon = dictionary.decode(await dictionary.encode(o.backend, clean.acts, n), clean.acts);
    const splicedRun = await loss(recon);
    // (A runner may round a fed pass differently; an upstream splice changes the input by far more than that.)
    if (target !== o.hook && splicedRun.acts.some((v, i) => Math.abs(v - clean.acts[i]) > 1e-4 * (1 + Math.abs(v))))
      return {
        skipped: `CE loss skipped: the output hook ${target} comes before the input hook ${o.hook}, so the prediction cannot replace it`,
      };
    const rows = targetIds.length;
    sums.kl += meanKlDivergence(clean.logits, splicedRun.logits, vocab) * rows;
    sums.clean += clean.value * rows;
    sums.spliced += splicedRun.value * rows;
    sums.zeroAblated += (await loss(new Float32Array(recon.length))).value * rows;
    sums.rows += rows;
  }
  const [clean, spliced, zeroAblated] = [sums.clean, sums.spliced, sums.zeroAblated].map((v) => v / sums.rows);
  const recovered = (zeroAblated - spliced) / (zeroAblated - clean);
  return { clean, spliced, zeroAblated, recovered, klSpliced: sums.kl / sums.rows };
}

/** Mean over rows of KL(p ‖ q) (nats), p and q the softmaxes of logits [n, vocab]. */
export function meanKlDivergence(p: Float32Array, q: Float32Array, vocab: number): number {
  const rows = p.length / vocab;
  let total = 0;
  for (let t = 0; t < rows; t++) {
    const o = t * vocab;
    let maxP = -Infinity;
    let maxQ = -Infinity;
    for (let v = 0; v < vocab; v++) {
      if (p[o + v] > maxP) maxP = p[o + v];
      if (q[o + v] > maxQ) maxQ = q[o + v];
    }
    let sumP = 0;
    let sumQ = 0;
    for (let v = 0; v < vocab; v++) {
      sumP += Math.exp(p[o + v] - maxP);
      sumQ += Math.exp(q[o + v] - maxQ);
    }
    const logZp = maxP + Math.log(sumP);
    const logZq = maxQ + Math.log(sumQ);
    let kl = 0;
    for (let v = 0; v < vocab; v++) {
      const logP = p[o + v] - logZp;
      kl += Math.exp(logP) * (logP - (q[o + v] - logZq));
    }
    total += kl;
  }
  return rows > 0 ? total / rows : NaN;
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
