// Which feature a simulated reader of `npm run bench:api` asks for: uniform over the dictionary, or Zipf(s)
// popularity (the page of rank r is asked for with probability ∝ r^-s; s = 1.1 is the usual shape of page
// popularity). Ranks are spread over the indexes by a seeded shuffle, so the popular features are not neighbours
// in the table, and every process that uses the same seed agrees on which features are popular.
import { randomSource } from './syntheticDictionary.js';

export type PagePopularity = { kind: 'uniform' } | { kind: 'zipf'; s: number };

/** The seed of the rank → feature shuffle; the warm-up pass and the measured runs must share it. */
export const POPULARITY_SEED = 20;

export function describePopularity(p: PagePopularity): string {
  return p.kind === 'uniform' ? 'uniform' : `Zipf s=${p.s}`;
}

/** The unnormalised probabilities r^-s of ranks 1..n. */
function zipfWeights(n: number, s: number): Float64Array {
  const w = new Float64Array(n);
  for (let r = 0; r < n; r++) w[r] = (r + 1) ** -s;
  return w;
}

/** Share of all requests that go to the `k` most popular of `n` pages under Zipf(s). */
export function zipfHeadShare(n: number, s: number, k: number): number {
  const w = zipfWeights(n, s);
  let head = 0;
  let total = 0;
  // Smallest first, so the tail's many small terms are not lost against the head's large ones.
  for (let r = n - 1; r >= 0; r--) {
    total += w[r];
    if (r < k) head += w[r];
  }
  return head / total;
}

/** A sampler of feature indexes in [0, n): `Math.random` picks the request, the seed fixes who is popular. */
export function featureSampler(popularity: PagePopularity, n: number, seed = POPULARITY_SEED): () => number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`featureSampler: n must be a positive integer, got ${n}`);
  if (popularity.kind === 'uniform') return () => Math.floor(Math.random() * n);
  if (!(popularity.s > 0)) throw new Error(`featureSampler: Zipf s must be > 0, got ${popularity.s}`);
  const w = zipfWeights(n, popularity.s);
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += w[r];
  const { rand } = randomSource(seed);
  const featureOfRank = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [featureOfRank[i], featureOfRank[j]] = [featureOfRank[j], featureOfRank[i]];
  }
  return () => {
    const u = Math.random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return featureOfRank[lo];
  };
}
