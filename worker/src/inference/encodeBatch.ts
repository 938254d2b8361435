// A dictionary's codes for a batch of raw activations, on the engine's fast kernels: TopK through the fused
// Gemm+TopK, ReLU/JumpReLU through one GEMM and a threshold. Returns CSR codes (inactive latents dropped).
// A prepared encoder is read-only, so concurrent calls may share it; scratch memory belongs to each caller.
import type { Backend } from '../engine/backend.js';
import { addTranscoderSkip, decoderWidth, type SaelensSae } from '../engine/sae/saelensFormat.js';
import { fromTopK, type CsrCodes } from './csrCodes.js';

/** Where arrays live: the backend's arena (`backend.alloc`: fastest, never freed) or, without one, the JS heap. */
export type ArrayMemory = Pick<Backend, 'alloc'>;

const heapArray = (length: number) => new Float32Array(length);

/** Encoder weights laid out for the kernels, W_encᵀ [dSae, dIn]; never written after preparation. */
export interface PreparedEncoder {
  readonly sae: SaelensSae;
  readonly wEncT: Float32Array;
}

/**
 * Lay out a dictionary's encoder for the kernels, in the backend's arena when `memory` is given (a long pass), else
 * on the JS heap (the arena only grows, so a cache that evicts dictionaries keeps them on the heap).
 */
export function prepareEncoder(sae: SaelensSae, memory?: ArrayMemory): PreparedEncoder {
  const { dIn, dSae } = sae;
  const wEncT = memory ? memory.alloc(dIn * dSae) : heapArray(dIn * dSae);
  for (let p = 0; p < dIn; p++) for (let l = 0; l < dSae; l++) wEncT[l * dIn + p] = sae.wEnc[p * dSae + l];
  return { sae, wEncT };
}

/**
 * One caller's scratch for `encodeBatch` (the centred input x − b_dec), grown by doubling so a pass over any
 * corpus allocates O(log) times. Calls that may overlap must not share one.
 */
export class EncodeScratch {
  private buffer?: Float32Array;

  constructor(private readonly memory?: ArrayMemory) {}

  /** A scratch array of `length` values (its content is overwritten by the next take). */
  take(length: number): Float32Array {
    if (!this.buffer || this.buffer.length < length) {
      const size = Math.max(length, 2 * (this.buffer?.length ?? 0));
      this.buffer = this.memory ? this.memory.alloc(size) : heapArray(size);
    }
    return this.buffer.subarray(0, length);
  }
}

/**
 * x: [n, dIn] raw activations (not modified). Without `scratch` the centred input goes to a fresh heap array, so
 * concurrent calls on one encoder never share memory; a sequential pass passes its own scratch to reuse.
 */
export async function encodeBatch(
  enc: PreparedEncoder,
  backend: Backend,
  x: Float32Array,
  n: number,
  scratch: EncodeScratch = new EncodeScratch(),
): Promise<CsrCodes> {
  const { sae, wEncT } = enc;
  const { dIn, dSae } = sae;
  let input = x;
  if (sae.applyBDecToInput) {
    input = scratch.take(n * dIn);
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

/**
 * Reconstruction x̂ = b_dec + Σ f_l W_dec[l] for CSR codes: [n, dIn]; a transcoder's prediction at its output
 * hook [n, dOut], plus x·W_skipᵀ for a skip transcoder (which needs its input x [n, dIn]).
 */
export function decodeCodes(sae: SaelensSae, codes: CsrCodes, input?: Float32Array): Float32Array {
  const dIn = decoderWidth(sae);
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
  addTranscoderSkip(sae, input, codes.rows, out);
  return out;
}
