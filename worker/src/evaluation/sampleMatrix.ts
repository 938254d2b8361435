// The rows probes are fitted on: one row per sample (a token, or a window mean-pooled), as hook dimensions
// (dense) or dictionary latents (sparse CSR, too wide to densify: 8,192 latents × thousands of samples).
import type { CsrCodes } from '../inference/csrCodes.js';

export interface SampleMatrix {
  readonly rows: number;
  readonly width: number;
  /** Dense [rows.length, columns.length] row-major (columns null: every column). */
  gather(rows: ArrayLike<number>, columns: ArrayLike<number> | null): Float64Array;
  /** Column means over the given rows: [width]. */
  columnMeans(rows: ArrayLike<number>): Float64Array;
}

/** Dense rows data [rows, width]. */
export function denseSamples(data: Float32Array, rows: number, width: number): SampleMatrix {
  return {
    rows,
    width,
    gather(pick, columns) {
      const w = columns ? columns.length : width;
      const out = new Float64Array(pick.length * w);
      for (let i = 0; i < pick.length; i++) {
        const base = pick[i] * width;
        if (columns) for (let j = 0; j < w; j++) out[i * w + j] = data[base + columns[j]];
        else for (let j = 0; j < w; j++) out[i * w + j] = data[base + j];
      }
      return out;
    },
    columnMeans(pick) {
      const out = new Float64Array(width);
      for (let i = 0; i < pick.length; i++) for (let j = 0; j < width; j++) out[j] += data[pick[i] * width + j];
      for (let j = 0; j < width; j++) out[j] /= Math.max(1, pick.length);
      return out;
    },
  };
}

/** Sparse rows (CSR codes) of `width` latents. */
export function sparseSamples(codes: CsrCodes, width: number): SampleMatrix {
  return {
    rows: codes.rows,
    width,
    gather(pick, columns) {
      const w = columns ? columns.length : width;
      const slot = new Int32Array(width).fill(-1);
      if (columns) for (let j = 0; j < w; j++) slot[columns[j]] = j;
      else for (let j = 0; j < w; j++) slot[j] = j;
      const out = new Float64Array(pick.length * w);
      for (let i = 0; i < pick.length; i++)
        for (let e = codes.rowStart[pick[i]]; e < codes.rowStart[pick[i] + 1]; e++) {
          const j = slot[codes.indices[e]];
          if (j >= 0) out[i * w + j] = codes.values[e];
        }
      return out;
    },
    columnMeans(pick) {
      const out = new Float64Array(width);
      for (let i = 0; i < pick.length; i++)
        for (let e = codes.rowStart[pick[i]]; e < codes.rowStart[pick[i] + 1]; e++)
          out[codes.indices[e]] += codes.values[e];
      for (let j = 0; j < width; j++) out[j] /= Math.max(1, pick.length);
      return out;
    },
  };
}
