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
  return encodeThresholded(sae, backend, input, n, wEncT);
}

/**
 * Bytes of pre-activations one GEMM of a ReLU or JumpReLU encode returns: the batch is encoded in row blocks of
 * [rows, dSae] (~340 rows at 24,576 latents), never a whole [n, dSae] block (400 MB for 4,096 rows there).
 */
const PRE_BLOCK_BYTES = 32 * 2 ** 20;

/**
 * ReLU / JumpReLU codes of centred input [n, dIn] (wEncT: [dSae, dIn]): a GEMM per block of `blockRows` rows
 * (default: PRE_BLOCK_BYTES of pre-activations), its active latents kept in CSR.
 */
export async function encodeThresholded(
  sae: SaelensSae,
  backend: Backend,
  input: Float32Array,
  n: number,
  wEncT: Float32Array,
  blockRows = Math.max(1, Math.floor(PRE_BLOCK_BYTES / (4 * sae.dSae))),
): Promise<CsrCodes> {
  const { dIn, dSae } = sae;
  const threshold = sae.architecture === 'jumprelu' ? sae.threshold! : undefined;
  const rowStart = new Int32Array(n + 1);
  // Grown by doubling; a row never holds more than dSae entries, so there is room before each row is scanned.
  let indices = new Int32Array(64 * n + dSae);
  let values = new Float32Array(indices.length);
  let nnz = 0;
  for (let r0 = 0; r0 < n; r0 += blockRows) {
    const rows = Math.min(blockRows, n - r0);
    const pre = await backend.matmulT(input.subarray(r0 * dIn, (r0 + rows) * dIn), wEncT, sae.bEnc, rows, dIn, dSae);
    for (let t = 0; t < rows; t++) {
      rowStart[r0 + t] = nnz;
      if (nnz + dSae > indices.length) {
        const size = Math.max(2 * indices.length, nnz + dSae);
        const grownI = new Int32Array(size);
        const grownV = new Float32Array(size);
        grownI.set(indices.subarray(0, nnz));
        grownV.set(values.subarray(0, nnz));
        indices = grownI;
        values = grownV;
      }
      const base = t * dSae;
      if (threshold)
        for (let l = 0; l < dSae; l++) {
          const v = pre[base + l];
          if (v > 0 && v > threshold[l]) {
            indices[nnz] = l;
            values[nnz++] = v;
          }
        }
      else
        for (let l = 0; l < dSae; l++) {
          const v = pre[base + l];
          if (v > 0) {
            indices[nnz] = l;
            values[nnz++] = v;
          }
        }
    }
  }
  rowStart[n] = nnz;
  return { rows: n, rowStart, indices: indices.slice(0, nnz), values: values.slice(0, nnz) };
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
