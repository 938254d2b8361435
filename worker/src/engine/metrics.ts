// Dictionary-quality metrics: what is logged during training and stored with the dictionary.

/** Mean over true features of the best cosine with any decoder row (MMCS; Sharkey et al. 2022). */
export function mmcs(
  trueFeatures: Float32Array,
  nTrue: number,
  decoder: Float32Array,
  nLatents: number,
  d: number,
): number {
  const unit = (m: Float32Array, rows: number): Float32Array => {
    const out = new Float32Array(m.length);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += m[r * d + p] ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let p = 0; p < d; p++) out[r * d + p] = m[r * d + p] * inv;
    }
    return out;
  };
  const t = unit(trueFeatures, nTrue);
  const w = unit(decoder, nLatents);
  let total = 0;
  for (let i = 0; i < nTrue; i++) {
    let best = -1;
    for (let j = 0; j < nLatents; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += t[i * d + p] * w[j * d + p];
      if (s > best) best = s;
    }
    total += best;
  }
  return total / nTrue;
}

/**
 * Firing statistics per latent: dead = no activation within the last `windowTokens` tokens (Gao et al. use
 * 10M); density = firings per token over the last completed window (the current one before any completes).
 */
export class FiringTracker {
  lastFired: Float64Array;
  counts: Float64Array;
  lastCounts: Float64Array | null = null;
  windowStart = 0;
  tokens = 0;

  constructor(
    readonly dSae: number,
    readonly windowTokens: number,
  ) {
    this.lastFired = new Float64Array(dSae);
    this.counts = new Float64Array(dSae);
  }

  /** Record a batch of n tokens whose active latents are the nonzero entries of the codes. */
  record(indices: Int32Array, values: Float32Array, n: number, width: number): void {
    this.tokens += n;
    for (let i = 0; i < n * width; i++)
      if (values[i] > 0) {
        const l = indices[i];
        this.counts[l]++;
        this.lastFired[l] = this.tokens;
      }
    if (this.tokens - this.windowStart >= this.windowTokens) {
      this.lastCounts = this.counts;
      this.counts = new Float64Array(this.dSae);
      this.windowStart = this.tokens;
    }
  }

  /** Latents that have not fired within the window (none until a full window has passed). */
  deadMask(): Uint8Array {
    const mask = new Uint8Array(this.dSae);
    for (let l = 0; l < this.dSae; l++) mask[l] = this.tokens - this.lastFired[l] >= this.windowTokens ? 1 : 0;
    return mask;
  }

  deadFraction(): number {
    const m = this.deadMask();
    let dead = 0;
    for (let l = 0; l < this.dSae; l++) dead += m[l];
    return dead / this.dSae;
  }

  /** Firings per token of each latent over the last completed window. */
  density(): Float64Array {
    const counts = this.lastCounts ?? this.counts;
    const span = this.lastCounts ? this.windowTokens : Math.max(1, this.tokens - this.windowStart);
    return counts.map((c) => c / span);
  }
}

/** Summary of a latent-density vector: dense fraction (> 0.1, as in Anthropic's reports) and a log10 histogram. */
export function densitySummary(density: Float64Array): {
  denseFraction: number;
  deadFraction: number;
  logDensityHistogram: { bins: number[]; counts: number[]; zero: number };
} {
  const bins = [-8, -7, -6, -5, -4, -3, -2, -1, 0];
  const counts = new Array(bins.length - 1).fill(0);
  let zero = 0;
  let dense = 0;
  for (const p of density) {
    if (p > 0.1) dense++;
    if (p <= 0) {
      zero++;
      continue;
    }
    const l = Math.log10(p);
    const b = Math.min(bins.length - 2, Math.max(0, Math.floor(l - bins[0])));
    counts[b]++;
  }
  return {
    denseFraction: dense / density.length,
    deadFraction: zero / density.length,
    logDensityHistogram: { bins, counts, zero },
  };
}

/** Geometric median of rows [n, d] by Weiszfeld's iterations (the b_dec init of Bricken et al. 2023). */
export function geometricMedian(rows: Float32Array, n: number, d: number, iterations = 50): Float32Array {
  const y = new Float64Array(d);
  for (let t = 0; t < n; t++) for (let p = 0; p < d; p++) y[p] += rows[t * d + p] / n;
  for (let it = 0; it < iterations; it++) {
    const num = new Float64Array(d);
    let den = 0;
    for (let t = 0; t < n; t++) {
      let dist = 0;
      for (let p = 0; p < d; p++) dist += (rows[t * d + p] - y[p]) ** 2;
      const w = 1 / Math.max(Math.sqrt(dist), 1e-8);
      den += w;
      for (let p = 0; p < d; p++) num[p] += w * rows[t * d + p];
    }
    let moved = 0;
    for (let p = 0; p < d; p++) {
      const v = num[p] / den;
      moved += (v - y[p]) ** 2;
      y[p] = v;
    }
    if (moved < 1e-12) break;
  }
  return Float32Array.from(y);
}
