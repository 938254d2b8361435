// BatchTopK SAE (Bussmann et al. 2024): keep the n·k largest activations across the whole batch, so tokens get
// a variable number of latents; inference uses a single threshold, the running mean of the smallest kept value,
// and the dictionary exports to SAELens as a JumpReLU with that threshold on every latent (as SAELens does).
import { z } from 'zod';
import type { Architecture, Encoded } from './architecture.js';

export const BatchTopKOptions = z.object({
  /** Mean active latents per token. */
  k: z.number().int().positive(),
  /** Candidates per token considered for the batch-wide selection, as a multiple of k. */
  candidateFactor: z.number().int().positive().default(4),
});
export type BatchTopKOptions = z.infer<typeof BatchTopKOptions>;

export const batchTopk: Architecture<BatchTopKOptions> = {
  name: 'batchtopk',
  options: BatchTopKOptions,
  unitNormDecoder: true,
  auxK: true,
  init(params, _cfg, _dIn, _dSae, _rng, alloc) {
    params.extra.threshold = alloc(1); // running mean of the batch threshold (one value for every latent)
  },
  async encode(ctx, cfg): Promise<Encoded> {
    const { backend, xIn, params, n, dIn, dSae } = ctx;
    // A token rarely holds more than candidateFactor·k of the batch's top n·k, so a per-row top-(cf·k) first
    // keeps the selection exact in practice while staying on the fast TopK kernel.
    const cand = await backend.encodeTopK(
      xIn,
      params.wEncT,
      params.bEnc,
      n,
      dIn,
      dSae,
      Math.min(dSae, cfg.k * cfg.candidateFactor),
    );
    const keep = Math.min(n * cfg.k, cand.values.length);
    const sorted = Float32Array.from(cand.values).sort();
    const threshold = sorted[sorted.length - keep];
    let width = 1;
    const counts = new Int32Array(n);
    for (let t = 0; t < n; t++) {
      let c = 0;
      for (let j = 0; j < cand.width; j++)
        if (cand.values[t * cand.width + j] >= threshold && cand.values[t * cand.width + j] > 0) c++;
      counts[t] = c;
      width = Math.max(width, c);
    }
    const indices = new Int32Array(n * width);
    const values = new Float32Array(n * width);
    for (let t = 0; t < n; t++) {
      let o = t * width;
      for (let j = 0; j < cand.width; j++) {
        const v = cand.values[t * cand.width + j];
        if (v >= threshold && v > 0) {
          indices[o] = cand.indices[t * cand.width + j];
          values[o++] = v;
        }
      }
    }
    return { n, width, indices, values };
  },
  backward(_ctx, _cfg, codes, gValues) {
    const gPre = new Float32Array(gValues.length);
    for (let i = 0; i < gPre.length; i++) gPre[i] = codes.values[i] > 0 ? gValues[i] : 0;
    return { gPre, penalty: 0 };
  },
  afterStep(ctx, _cfg, codes) {
    let min = Infinity;
    for (let i = 0; i < codes.values.length; i++)
      if (codes.values[i] > 0 && codes.values[i] < min) min = codes.values[i];
    if (!Number.isFinite(min)) return;
    const th = ctx.params.extra.threshold;
    // Exponential moving average; the first batch sets it.
    th[0] = th[0] === 0 ? min : 0.99 * th[0] + 0.01 * min;
  },
  saelensConfig() {
    return { architecture: 'jumprelu', activation_fn_str: 'relu' };
  },
  saelensTensors(_cfg, params) {
    const dSae = params.bEnc.length;
    return { threshold: new Float32Array(dSae).fill(params.extra.threshold[0]) };
  },
};
