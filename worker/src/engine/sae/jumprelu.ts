// JumpReLU SAE (Rajamanoharan et al. 2024; Gemma Scope): f = pre · H(pre − θ) with a learned threshold θ per
// latent and an L0 penalty, trained with straight-through estimators: the pseudo-derivatives with respect to θ
// use a rectangle kernel of width ε around the threshold (paper, eqs. 11-12).
import { z } from 'zod';
import { compactRows, type Architecture } from './architecture.js';

export const JumpReluOptions = z.object({
  /** λ on the expected L0 (per token). */
  l0Coefficient: z.number().nonnegative().default(0.02),
  /** ε, the kernel width; Gemma Scope uses 0.001 on unit-scale inputs. */
  bandwidth: z.number().positive().default(0.05),
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
    params.extra.logThreshold = alloc(dSae).fill(Math.log(cfg.initialThreshold));
  },
  async encode(ctx, cfg) {
    const { backend, xIn, params, n, dIn, dSae } = ctx;
    const pre = await backend.matmulT(xIn, params.wEncT, params.bEnc, n, dIn, dSae);
    const theta = params.extra.logThreshold.map(Math.exp);
    const half = cfg.bandwidth / 2;
    // Entries above θ are active; entries within ε/2 below θ ride along with value 0, because the θ gradient
    // needs dLoss/df there too.
    return compactRows(pre, n, dSae, (v, l) => v > theta[l] - half, (v, l) => (v > theta[l] ? v : 0));
  },
  backward(ctx, cfg, codes, gValues, grads) {
    const { n, params } = ctx;
    const theta = params.extra.logThreshold.map(Math.exp);
    const gLogTheta = grads.extra.logThreshold;
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
          gLogTheta[l] += dTheta * theta[l];
        }
      }
    }
    return { gPre, penalty: (cfg.l0Coefficient * l0) / n };
  },
  saelensConfig() {
    return { architecture: 'jumprelu', activation_fn_str: 'relu' };
  },
  saelensTensors(_cfg, params) {
    return { threshold: params.extra.logThreshold.map(Math.exp) };
  },
};
