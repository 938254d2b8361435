// Logit effects of a dictionary's features: each decoder direction through the model's unembedding (through the
// layer's W_out first for MLP neurons), and the output tokens it promotes and suppresses most. A transcoder's
// decoder rows are written at its output hook, so that hook decides.
import type { FeatureRecord } from '../ingest/ingestDictionary.js';
import { decoderWidth } from '../engine/sae/saelensFormat.js';
import { parseHook } from '../transformer/hooks.js';
import { hostMlpOut, hostUnembedding } from '../transformer/modelFolder.js';
import type { AnalyzeOptions } from './analysisOptions.js';

/**
 * Top ±10 output tokens of each decoder direction through the unembedding (directly for hooks that write to the
 * residual stream, through the layer's W_out for MLP neurons); undefined for other hooks. The hook is where the
 * decoder writes: the analysed hook for an SAE, the output hook for a transcoder (none named: undefined).
 */
export async function logitEffects(
  o: AnalyzeOptions,
  tokenText: (id: number) => string,
): Promise<FeatureRecord['logits'][] | undefined> {
  const { sae, model } = o;
  const written = sae.transcoder ? sae.transcoder.hookNameOut : o.hook;
  if (!written) return undefined;
  const hook = parseHook(written, model.config);
  const dDec = decoderWidth(sae);
  const d = model.config.dModel;
  const unembed = hostUnembedding(model); // [vocab, d]
  const vocab = unembed.length / d;
  let dirs: Float32Array; // [dSae, d]
  if (hook.kind === 'mlp.hook_post') {
    const outW = hostMlpOut(model, hook.layer); // [dMlp, d]
    dirs = await o.backend.matmul(sae.wDec, outW, false, sae.dSae, dDec, d);
  } else if (dDec === d) dirs = sae.wDec;
  else return undefined;
  const out: FeatureRecord['logits'][] = [];
  const token = (row: Float32Array, i: number) => ({ token: tokenText(i), value: row[i] });
  // Blocks of ~16 MiB of scores; unembed [vocab, d] is already the transposed operand of matmulT.
  const block = Math.max(16, Math.floor(2 ** 22 / vocab));
  for (let s = 0; s < sae.dSae; s += block) {
    const m = Math.min(block, sae.dSae - s);
    const scores = await o.backend.matmulT(dirs.subarray(s * d, (s + m) * d), unembed, null, m, d, vocab);
    for (let r = 0; r < m; r++) {
      const row = scores.subarray(r * vocab, (r + 1) * vocab);
      const top = extremeIndices(row, 10, 1);
      const bottom = extremeIndices(row, 10, -1);
      out.push({ positive: top.map((i) => token(row, i)), negative: bottom.map((i) => token(row, i)) });
    }
  }
  return out;
}

/** Why `logitEffects` gave nothing for these options, in words for the log. */
export function logitsSkippedReason(o: Pick<AnalyzeOptions, 'sae' | 'hook'>): string {
  const { transcoder } = o.sae;
  if (transcoder && !transcoder.hookNameOut) return "the transcoder's cfg.json names no hook_name_out";
  const written = transcoder?.hookNameOut ?? o.hook;
  return `decoder rows at ${written} are ${decoderWidth(o.sae)} wide, neither the residual stream nor an MLP's neurons`;
}

/** Indices of the k largest (sign 1) or smallest (sign -1) entries, most extreme first; ties by lower index. */
export function extremeIndices(row: Float32Array, k: number, sign: 1 | -1): number[] {
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = sign * row[i];
    if (idx.length === k && v <= val[k - 1]) continue;
    let p = idx.length < k ? idx.length : k - 1;
    while (p > 0 && val[p - 1] < v) {
      val[p] = val[p - 1];
      idx[p] = idx[p - 1];
      p--;
    }
    val[p] = v;
    idx[p] = i;
  }
  return idx;
}
