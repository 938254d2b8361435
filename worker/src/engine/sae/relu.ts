// ReLU SAE with an L1 penalty weighted by decoder norms (Anthropic, "Circuits Updates – April 2024"):
// loss = ‖x − x̂‖² + λ Σᵢ fᵢ ‖W_dec,i‖, decoder unconstrained, λ ramped up over the first 5% of training.
import { z } from 'zod';
import { compactRows, type Architecture } from './architecture.js';

export const ReluOptions = z.object({
  /** λ; 5 is Anthropic's value for inputs scaled to ‖x‖² = dIn, which is what the store does. */
  l1Coefficient: z.number().nonnegative().default(5),
  /** Fraction of training over which λ rises linearly from 0. */
  l1WarmupFraction: z.number().min(0).max(1).default(0.05),
});
export type ReluOptions = z.infer<typeof ReluOptions>;

function decoderNorms(wDec: Float32Array, dSae: number, dIn: number): Float32Array {
  const norms = new Float32Array(dSae);
  for (let l = 0; l < dSae; l++) {
    let s = 0;
    for (let p = 0; p < dIn; p++) s += wDec[l * dIn + p] ** 2;
    norms[l] = Math.sqrt(s);
  }
  return norms;
}

export const relu: Architecture<ReluOptions> = {
  name: 'relu',
  options: ReluOptions,
  unitNormDecoder: false,
  auxK: false,
  init(params, _cfg, dIn, dSae) {
    // Decoder rows at norm 0.1 and the encoder as their transpose (April 2024 update).
    for (let i = 0; i < dSae * dIn; i++) {
      params.wDec[i] *= 0.1;
      params.wEncT[i] *= 0.1;
    }
  },
  async encode(ctx) {
    const { backend, xIn, params, n, dIn, dSae } = ctx;
    const pre = await backend.matmulT(xIn, params.wEncT, params.bEnc, n, dIn, dSae);
    return compactRows(
      pre,
      n,
      dSae,
      (v) => v > 0,
      (v) => v,
    );
  },
  backward(ctx, cfg, codes, gValues, grads) {
    const { n, dIn, dSae, params, progress } = ctx;
    const lambda = cfg.l1Coefficient * Math.min(1, cfg.l1WarmupFraction > 0 ? progress / cfg.l1WarmupFraction : 1);
    const norms = decoderNorms(params.wDec, dSae, dIn);
    const gPre = new Float32Array(gValues.length);
    const sumF = new Float64Array(dSae);
    let penalty = 0;
    for (let i = 0; i < gPre.length; i++) {
      const v = codes.values[i];
      if (v <= 0) continue;
      const l = codes.indices[i];
      gPre[i] = gValues[i] + (lambda * norms[l]) / n;
      sumF[l] += v;
      penalty += v * norms[l];
    }
    // d/dW_dec,i of λ/n Σ_t f_ti ‖W_dec,i‖ = λ/n (Σ_t f_ti) W_dec,i / ‖W_dec,i‖
    for (let l = 0; l < dSae; l++) {
      if (sumF[l] === 0 || norms[l] === 0) continue;
      const c = (lambda * sumF[l]) / n / norms[l];
      for (let p = 0; p < dIn; p++) grads.wDec[l * dIn + p] += c * params.wDec[l * dIn + p];
    }
    return { gPre, penalty: (lambda * penalty) / n };
  },
  saelensConfig() {
    return { architecture: 'standard', activation_fn_str: 'relu' };
  },
  saelensTensors() {
    return {};
  },
};
