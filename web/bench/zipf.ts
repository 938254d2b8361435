// Page popularity for the web bench: Zipf(s) over n items (rank r is asked for with probability ∝ 1/r^s), drawn from
// a seeded generator so two runs ask for the same pages in the same order.

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A draw of ranks 0..n-1 (0 the most popular) with P(r) ∝ 1/(r+1)^s, by binary search of the cumulative weights. */
export function zipfSampler(n: number, s: number, uniform: () => number): () => number {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`zipf needs n, an integer >= 1 (got ${n})`);
  if (!(s > 0)) throw new RangeError(`zipf needs an exponent s > 0 (got ${s})`);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cumulative[r] = total += 1 / (r + 1) ** s;
  return () => {
    const u = uniform() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}
