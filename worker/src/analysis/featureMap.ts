// A 2-D map of decoder directions for the atlas: UMAP (umap-js, cosine distance) when the dictionary is small
// enough to embed in reasonable time here, else PCA (top two principal components by power iteration).
import { UMAP } from 'umap-js';
import type { Backend } from '../engine/backend.js';
import { seededRandom } from '../engine/rng.js';

export interface MapOptions {
  /** Past this many features, PCA is used (UMAP's neighbour search grows faster than linearly). */
  umapLimit?: number;
  seed?: number;
  nNeighbors?: number;
  /** UMAP optimisation epochs (umap-js picks 500 below 2,500 points; 200 is umap-learn's default for large sets). */
  nEpochs?: number;
  /**
   * Exact cosine neighbours already computed (e.g. the atlas' decoder neighbours, one GEMM): row i's nearest rows,
   * best first, self excluded. UMAP then skips its approximate neighbour search.
   */
  knn?: { k: number; indices: Int32Array; cosines: Float32Array };
  /** A fast GEMM (the engine backend's `matmul`) for PCA's scatter matrix aᵀ·a; plain JS without it. */
  gemm?: Pick<Backend, 'matmul'>;
}

function cosineDistance(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return 1 - dot / (Math.sqrt(na * nb) || 1);
}

/**
 * Project rows of x [n, d] onto their top two principal components: [n, 2]. `scatter` [d, d], when given, is
 * Xcᵀ·Xc of the centred rows (one GEMM on a fast kernel): the power iteration then costs O(d²), not O(n·d), a step.
 */
export function pca2(x: Float32Array, n: number, d: number, seed = 0, scatter?: Float32Array): Float32Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const random = seededRandom(seed);
  const components: Float64Array[] = [];
  const proj = new Float64Array(n);
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: d }, () => random() - 0.5);
    for (let iter = 0; iter < 100; iter++) {
      // w = Xcᵀ (Xc v), deflated against earlier components.
      const w = new Float64Array(d);
      if (scatter)
        for (let j = 0; j < d; j++) {
          let s = 0;
          for (let i = 0; i < d; i++) s += scatter[j * d + i] * v[i];
          w[j] = s;
        }
      else {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += (x[i * d + j] - mean[j]) * v[j];
          proj[i] = s;
        }
        for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) w[j] += (x[i * d + j] - mean[j]) * proj[i];
      }
      for (const u of components) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += w[j] * u[j];
        for (let j = 0; j < d; j++) w[j] -= dot * u[j];
      }
      let sq = 0;
      for (let j = 0; j < d; j++) sq += w[j] * w[j];
      const norm = Math.sqrt(sq) || 1;
      let delta = 0;
      for (let j = 0; j < d; j++) {
        const next = w[j] / norm;
        delta += Math.abs(next - v[j]);
        w[j] = next;
      }
      v = w;
      if (delta < 1e-9) break;
    }
    components.push(v);
  }
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j] - mean[j]) * components[c][j];
      out[i * 2 + c] = s;
    }
  return out;
}

/** Map coordinates for every row of `decoder` [n, d]; returns [n, 2] and the method used. */
export async function mapDecoders(
  decoder: Float32Array,
  n: number,
  d: number,
  options: MapOptions = {},
): Promise<{ coords: Float32Array; method: 'umap' | 'pca' }> {
  const limit = options.umapLimit ?? 5000;
  const nNeighbors = Math.min(options.nNeighbors ?? 15, n - 1);
  if (n > limit || nNeighbors < 2) {
    let scatter: Float32Array | undefined;
    if (options.gemm) {
      const mean = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += decoder[i * d + j] / n;
      const centred = new Float32Array(n * d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centred[i * d + j] = decoder[i * d + j] - mean[j];
      scatter = await options.gemm.matmul(centred, centred, true, d, n, d);
    }
    return { coords: pca2(decoder, n, d, options.seed, scatter), method: 'pca' };
  }
  const rows: number[][] = Array.from({ length: n }, (_, i) => Array.from(decoder.subarray(i * d, (i + 1) * d)));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: 0.1,
    distanceFn: cosineDistance,
    random: seededRandom(options.seed ?? 0),
    nEpochs: options.nEpochs ?? 200,
  });
  const knn = options.knn;
  if (knn && knn.k >= nNeighbors - 1) {
    // UMAP's own search lists each point first, at distance 0.
    const indices: number[][] = [];
    const distances: number[][] = [];
    for (let i = 0; i < n; i++) {
      const idx = [i];
      const dist = [0];
      for (let r = 0; r < nNeighbors - 1; r++) {
        const j = knn.indices[i * knn.k + r];
        if (j < 0) break;
        idx.push(j);
        dist.push(Math.max(0, 1 - knn.cosines[i * knn.k + r]));
      }
      indices.push(idx);
      distances.push(dist);
    }
    umap.setPrecomputedKNN(indices, distances);
  }
  const embedding = umap.fit(rows);
  const coords = new Float32Array(n * 2);
  embedding.forEach(([x, y], i) => {
    coords[i * 2] = x;
    coords[i * 2 + 1] = y;
  });
  return { coords, method: 'umap' };
}
