// A dictionary's codes for a batch of raw activations, on the engine's fast kernels: TopK through the fused
// Gemm+TopK, ReLU/JumpReLU through one GEMM and a threshold. Returns CSR codes (inactive latents dropped).
import type { Backend } from '../engine/backend.js';
import type { SaelensSae } from '../engine/sae/saelensFormat.js';
import { fromTopK, type CsrCodes } from '../inference/csrCodes.js';

/** Encoder weights laid out for the kernels: W_encᵀ [dSae, dIn]. */
export interface PreparedEncoder {
  sae: SaelensSae;
  wEncT: Float32Array;
  /**
   * The centred input (x - b_dec), reused batch after batch (backend arrays are never freed): so calls on one
   * encoder must not overlap when the dictionary subtracts b_dec.
   */
  centred?: Float32Array;
}

export function prepareEncoder(sae: SaelensSae, backend: Backend): PreparedEncoder {
  const { dIn, dSae } = sae;
  const wEncT = backend.alloc(dIn * dSae);
  for (let p = 0; p < dIn; p++) for (let l = 0; l < dSae; l++) wEncT[l * dIn + p] = sae.wEnc[p * dSae + l];
  return { sae, wEncT };
}

/** x: [n, dIn] raw activations (not modified). */
export async function encodeBatch(
  enc: PreparedEncoder,
  backend: Backend,
  x: Float32Array,
  n: number,
): Promise<CsrCodes> {
  const { sae, wEncT } = enc;
  const { dIn, dSae } = sae;
  let input = x;
  if (sae.applyBDecToInput) {
    // Grown by doubling, so a pass over any corpus allocates O(log) times (it leaked a batch per call before).
    if (!enc.centred || enc.centred.length < n * dIn)
      enc.centred = backend.alloc(Math.max(n * dIn, 2 * (enc.centred?.length ?? 0)));
    input = enc.centred.subarray(0, n * dIn);
    backend.center(x, sae.bDec, n, dIn, input);
  }
  if (sae.architecture === 'topk') {
    const codes = await backend.encodeTopK(input, wEncT, sae.bEnc, n, dIn, dSae, sae.k!);
    return fromTopK(codes.indices, codes.values, codes.width);
  }
  const pre = await backend.matmulT(input, wEncT, sae.bEnc, n, dIn, dSae);
  const rowStart = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const threshold = sae.architecture === 'jumprelu' ? sae.threshold! : undefined;
  for (let t = 0; t < n; t++) {
    rowStart[t] = idx.length;
    const base = t * dSae;
    for (let l = 0; l < dSae; l++) {
      const v = pre[base + l];
      if (v > 0 && (!threshold || v > threshold[l])) {
        idx.push(l);
        val.push(v);
      }
    }
  }
  rowStart[n] = idx.length;
  return { rows: n, rowStart, indices: Int32Array.from(idx), values: Float32Array.from(val) };
}

/** Reconstruction x̂ = b_dec + Σ f_l W_dec[l] for CSR codes: [n, dIn]. */
export function decodeCodes(sae: SaelensSae, codes: CsrCodes): Float32Array {
  const { dIn } = sae;
  const out = new Float32Array(codes.rows * dIn);
  for (let t = 0; t < codes.rows; t++) {
    const o = t * dIn;
    out.set(sae.bDec, o);
    for (let j = codes.rowStart[t]; j < codes.rowStart[t + 1]; j++) {
      const w = codes.indices[j] * dIn;
      const v = codes.values[j];
      for (let p = 0; p < dIn; p++) out[o + p] += v * sae.wDec[w + p];
    }
  }
  return out;
}
