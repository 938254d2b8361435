// JumpReLU SAE (Rajamanoharan et al. 2024; Gemma Scope): f = pre · H(pre − θ) with a learned threshold θ per
// latent and an L0 penalty, trained with straight-through estimators: the pseudo-derivatives with respect to θ
// use a rectangle kernel of width ε around the threshold (paper, eqs. 11-12).
import { z } from 'zod';
import { compactRows, type Architecture } from './architecture.js';

export const JumpReluOptions = z.object({
  /** λ on the expected L0 (per token). */
  l0Coefficient: z.number().nonnegative().default(0.2),
  /** ε, the kernel width. Gemma Scope uses 0.001; with inputs scaled to ‖x‖² = dIn, pre-activations are O(1). */
  bandwidth: z.number().positive().default(0.1),
  /** θ at initialisation (Gemma Scope: 0.001). */
  initialThreshold: z.number().positive().default(0.001),
});
export type JumpReluOptions = z.infer<typeof JumpReluOptions>;

export const jumprelu: Architecture<JumpReluOptions> = {
  name: 'jumprelu',
  options: JumpReluOptions,
  unitNormDecoder: true,
  auxK: false,
  init(params, cfg, _dIn, dSae, _rng, alloc) {
    // θ itself is the parameter, not log θ as in SAELens: Adam moves a parameter by about lr per step, and in
    // log space that takes thousands of steps to lift θ from 0.001 to the O(1) scale of normalised inputs.
    params.extra.threshold = alloc(dSae).fill(cfg.initialThreshold);
  },
  async encode(ctx, cfg) {
    const { backend, xIn, params, n, dIn, dSae } = ctx;
    const pre = await backend.matmulT(xIn, params.wEncT, params.bEnc, n, dIn, dSae);
    const theta = params.extra.threshold;
    const half = cfg.bandwidth / 2;
    // Entries above θ are active; entries within ε/2 below θ ride along with value 0, because the θ gradient
    // needs dLoss/df there too.
    return compactRows(
      pre,
      n,
      dSae,
      (v, l) => v > theta[l] - half,
      (v, l) => (v > theta[l] ? v : 0),
    );
  },
  backward(ctx, cfg, codes, gValues, grads) {
    const { n, params } = ctx;
    const theta = params.extra.threshold;
    const gTheta = grads.extra.threshold;
    const eps = cfg.bandwidth;
    const gPre = new Float32Array(gValues.length);
    let l0 = 0;
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < codes.width; j++) {
        const i = t * codes.width + j;
        const l = codes.indices[i];
        const pre = codes.pre![t * ctx.dSae + l];
        const active = codes.values[i] > 0;
        if (active) {
          gPre[i] = gValues[i];
          l0++;
        }
        if (Math.abs(pre - theta[l]) < eps / 2) {
          // ∂f/∂θ = −(θ/ε)·K and ∂H/∂θ = −(1/ε)·K with the rectangle kernel K = 1 inside the window.
          const dTheta = gValues[i] * (-theta[l] / eps) + (cfg.l0Coefficient / n) * (-1 / eps);
          gTheta[l] += dTheta;
        }
      }
    }
    return { gPre, penalty: (cfg.l0Coefficient * l0) / n };
  },
  afterStep(ctx) {
    // Keep θ positive: a threshold at or below zero would turn JumpReLU into a plain ReLU.
    const theta = ctx.params.extra.threshold;
    for (let l = 0; l < theta.length; l++) if (theta[l] < 1e-6) theta[l] = 1e-6;
  },
  saelensConfig() {
    return { architecture: 'jumprelu', activation_fn_str: 'relu' };
  },
  saelensTensors(_cfg, params) {
    return { threshold: Float32Array.from(params.extra.threshold) };
  },
};
