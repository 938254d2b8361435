// Exact nearest decoder directions by cosine, computed once at ingest with blocked matrix products (no HNSW
// recall loss for the neighbours the atlas shows): within a dictionary (neighbours) and across dictionaries on
// the same hook point (families: how features split as width grows).
import type { Backend } from '../engine/backend.js';
import type { Neighbours } from '../ingest/featureLinks.js';

/** The GEMM the fast search runs on: the engine backend's own `matmulT`, a[m, d] · bT[n, d]ᵀ. */
export type MatmulT = Pick<Backend, 'matmulT'>;

/** Plain-JS a·bTᵀ in `Backend.matmulT`'s argument order, no bias (cache-friendly: rows of both are contiguous). */
function plainMatmulT(a: Float32Array, bT: Float32Array, m: number, d: number, n: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const ai = i * d;
    for (let j = 0; j < n; j++) {
      const bj = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) s += a[ai + t] * bT[bj + t];
      out[i * n + j] = s;
    }
  }
  return out;
}

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

/** Options of the neighbour search: `excludeSelf` (A and B the same dictionary) skips j = i; rows of A per GEMM. */
export interface NeighbourOptions {
  excludeSelf?: boolean;
  block?: number;
}

function checkShapes(a: Float32Array, nA: number, b: Float32Array, nB: number, d: number): void {
  if (a.length !== nA * d || b.length !== nB * d)
    throw new RangeError(`neighbours: A is ${a.length} values for [${nA}, ${d}], B is ${b.length} for [${nB}, ${d}]`);
}

/** Merge one block of similarities sims [m, nB] (rows start.. of A) into the running top-k lists. */
function takeTopK(sims: Float32Array, start: number, m: number, nB: number, out: Neighbours, excludeSelf: boolean) {
  const { k, indices, cosines } = out;
  for (let r = 0; r < m; r++) {
    const i = start + r;
    const base = i * k;
    let floor = cosines[base + k - 1];
    // Insertion into a sorted list of k: k is small (10), so this beats a heap.
    for (let j = 0; j < nB; j++) {
      const s = sims[r * nB + j];
      if (s <= floor || (excludeSelf && j === i)) continue;
      let p = k - 1;
      while (p > 0 && cosines[base + p - 1] < s) {
        cosines[base + p] = cosines[base + p - 1];
        indices[base + p] = indices[base + p - 1];
        p--;
      }
      cosines[base + p] = s;
      indices[base + p] = j;
      floor = cosines[base + k - 1];
    }
  }
}

function emptyNeighbours(nA: number, k: number): Neighbours {
  return { k, indices: new Int32Array(nA * k).fill(-1), cosines: new Float32Array(nA * k).fill(-Infinity) };
}

/**
 * For each row of A, the k rows of B with the highest cosine, on plain-JS products (small inputs, tests).
 * Processes A in blocks so memory is O(block × nB).
 */
export function topCosineNeighbours(
  a: Float32Array,
  nA: number,
  b: Float32Array,
  nB: number,
  d: number,
  k: number,
  options: NeighbourOptions = {},
): Neighbours {
  checkShapes(a, nA, b, nB, d);
  const block = options.block ?? 256;
  const an = normalizeRows(a, nA, d);
  const bn = normalizeRows(b, nB, d);
  const out = emptyNeighbours(nA, k);
  for (let start = 0; start < nA; start += block) {
    const m = Math.min(block, nA - start);
    takeTopK(
      plainMatmulT(an.subarray(start * d, (start + m) * d), bn, m, d, nB),
      start,
      m,
      nB,
      out,
      !!options.excludeSelf,
    );
  }
  return out;
}

/** `topCosineNeighbours` on the backend's `matmulT`: one a·bᵀ per block of A rows, then the same top-k. */
export async function topCosineNeighboursOn(
  gemm: MatmulT,
  a: Float32Array,
  nA: number,
  b: Float32Array,
  nB: number,
  d: number,
  k: number,
  options: NeighbourOptions = {},
): Promise<Neighbours> {
  checkShapes(a, nA, b, nB, d);
  // Blocks of ~16 MiB of similarities keep memory bounded while each GEMM stays large enough to be fast.
  const block = options.block ?? Math.max(64, Math.floor(2 ** 22 / Math.max(1, nB)));
  const an = normalizeRows(a, nA, d);
  const bn = a === b ? an : normalizeRows(b, nB, d);
  const out = emptyNeighbours(nA, k);
  for (let start = 0; start < nA; start += block) {
    const m = Math.min(block, nA - start);
    const sims = await gemm.matmulT(an.subarray(start * d, (start + m) * d), bn, null, m, d, nB);
    takeTopK(sims, start, m, nB, out, !!options.excludeSelf);
  }
  return out;
}
