// TopK SAE (Gao et al. 2024, "Scaling and evaluating sparse autoencoders"): keep the k largest pre-activations.
import { z } from 'zod';
import type { Architecture } from './architecture.js';

export const TopKOptions = z.object({
  /** Active latents per token. */
  k: z.number().int().positive(),
});
export type TopKOptions = z.infer<typeof TopKOptions>;

export const topk: Architecture<TopKOptions> = {
  name: 'topk',
  options: TopKOptions,
  unitNormDecoder: true,
  auxK: true,
  init() {},
  async encode(ctx, cfg) {
    const { backend, xIn, params, n, dIn, dSae } = ctx;
    return backend.encodeTopK(xIn, params.wEncT, params.bEnc, n, dIn, dSae, Math.min(cfg.k, dSae));
  },
  backward(_ctx, _cfg, codes, gValues) {
    // d relu(pre)/d pre is 1 where the value is positive; top-k selection is piecewise constant.
    const gPre = new Float32Array(gValues.length);
    for (let i = 0; i < gPre.length; i++) gPre[i] = codes.values[i] > 0 ? gValues[i] : 0;
    return { gPre, penalty: 0 };
  },
  saelensConfig(cfg) {
    return { architecture: 'topk', k: cfg.k, activation_fn_str: 'topk', activation_fn_kwargs: { k: cfg.k } };
  },
  saelensTensors() {
    return {};
  },
};
