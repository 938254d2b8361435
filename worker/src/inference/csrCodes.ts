// A dictionary's codes for a batch of tokens in compressed sparse rows, as encoders return them and the analysis
// reads them. Not the engine's `SparseCodes` (engine/backend.ts): those are fixed-width and padded, for training.
/**
 * Dictionary codes of a batch of tokens in CSR form: row r's active latents are
 * `indices[rowStart[r] .. rowStart[r+1])` with `values` alongside. TopK gives k per row; ReLU/JumpReLU vary.
 */
export interface CsrCodes {
  rows: number;
  /** [rows + 1] */
  rowStart: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** CSR codes from fixed-k TopK output (`indices`/`values` are [rows, k] row-major); zero values are dropped. */
export function fromTopK(indices: Int32Array, values: Float32Array, k: number): CsrCodes {
  const rows = k === 0 ? 0 : indices.length / k;
  const rowStart = new Int32Array(rows + 1);
  const outI = new Int32Array(indices.length);
  const outV = new Float32Array(indices.length);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    rowStart[r] = n;
    for (let j = r * k; j < (r + 1) * k; j++) {
      if (values[j] > 0) {
        outI[n] = indices[j];
        outV[n] = values[j];
        n++;
      }
    }
  }
  rowStart[rows] = n;
  return { rows, rowStart, indices: outI.subarray(0, n), values: outV.subarray(0, n) };
}

/** CSR codes from a dense [rows, nLatents] matrix (tests and small runs). */
export function fromDense(dense: Float32Array, nLatents: number): CsrCodes {
  const rows = dense.length / nLatents;
  const rowStart = new Int32Array(rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < rows; r++) {
    rowStart[r] = idx.length;
    for (let f = 0; f < nLatents; f++) {
      const v = dense[r * nLatents + f];
      if (v > 0) {
        idx.push(f);
        val.push(v);
      }
    }
  }
  rowStart[rows] = idx.length;
  return { rows, rowStart, indices: Int32Array.from(idx), values: Float32Array.from(val) };
}

/** Activation of latent `f` on row `r` (0 when inactive). Linear in the row's active count. */
export function activationAt(codes: CsrCodes, r: number, f: number): number {
  for (let j = codes.rowStart[r]; j < codes.rowStart[r + 1]; j++) if (codes.indices[j] === f) return codes.values[j];
  return 0;
}
