// Exact nearest decoder directions by cosine, computed once at ingest with blocked matrix products (no HNSW
// recall loss for the neighbours the atlas shows): within a dictionary (neighbours) and across dictionaries on
// the same hook point (families: how features split as width grows).

/** out[m, n] = a[m, d] · b[n, d]ᵀ. The engine's fast GEMM plugs in here. */
export type MatmulABt = (a: Float32Array, m: number, b: Float32Array, n: number, d: number) => Float32Array;

/** Plain-JS a·bᵀ (cache-friendly: rows of both operands are contiguous). */
export const plainMatmulABt: MatmulABt = (a, m, b, n, d) => {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const ai = i * d;
    for (let j = 0; j < n; j++) {
      const bj = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) s += a[ai + t] * b[bj + t];
      out[i * n + j] = s;
    }
  }
  return out;
};

/** Rows scaled to unit norm (zero rows stay zero). */
export function normalizeRows(x: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += x[i * d + t] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = 0; t < d; t++) out[i * d + t] = x[i * d + t] * inv;
  }
  return out;
}

export interface Neighbours {
  k: number;
  /** [nA, k] indices into B, best first; -1 pads when B has fewer than k candidates. */
  indices: Int32Array;
  /** [nA, k] cosines. */
  cosines: Float32Array;
}

/**
 * For each row of A, the k rows of B with the highest cosine. `excludeSelf` (A and B the same dictionary) skips
 * j = i. Processes A in blocks so memory is O(block × nB).
 */
export function topCosineNeighbours(
  a: Float32Array,
  nA: number,
  b: Float32Array,
  nB: number,
  d: number,
  k: number,
  options: { excludeSelf?: boolean; matmul?: MatmulABt; block?: number } = {},
): Neighbours {
  if (a.length !== nA * d || b.length !== nB * d)
    throw new RangeError(`neighbours: A is ${a.length} values for [${nA}, ${d}], B is ${b.length} for [${nB}, ${d}]`);
  const matmul = options.matmul ?? plainMatmulABt;
  const block = options.block ?? 256;
  const an = normalizeRows(a, nA, d);
  const bn = normalizeRows(b, nB, d);
  const indices = new Int32Array(nA * k).fill(-1);
  const cosines = new Float32Array(nA * k).fill(-Infinity);
  for (let start = 0; start < nA; start += block) {
    const m = Math.min(block, nA - start);
    const sims = matmul(an.subarray(start * d, (start + m) * d), m, bn, nB, d);
    for (let r = 0; r < m; r++) {
      const i = start + r;
      const base = i * k;
      // Insertion into a sorted list of k: k is small (10), so this beats a heap.
      for (let j = 0; j < nB; j++) {
        if (options.excludeSelf && j === i) continue;
        const s = sims[r * nB + j];
        if (s <= cosines[base + k - 1]) continue;
        let p = k - 1;
        while (p > 0 && cosines[base + p - 1] < s) {
          cosines[base + p] = cosines[base + p - 1];
          indices[base + p] = indices[base + p - 1];
          p--;
        }
        cosines[base + p] = s;
        indices[base + p] = j;
      }
    }
  }
  return { k, indices, cosines };
}
