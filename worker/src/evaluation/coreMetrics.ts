// Core reconstruction metrics over held-out tokens, accumulated batch by batch: FVU / explained variance, MSE,
// L0, mean cosine of reconstruction vs input, and each latent's firing count (dead and dense fractions come from
// engine/metrics' densitySummary, the rule training reports with).
import { densitySummary } from '../engine/metrics.js';
import type { CsrCodes } from '../inference/csrCodes.js';

export interface CoreMetrics {
  fvu: number;
  explainedVariance: number;
  mse: number;
  l0: number;
  deadFraction: number;
  denseFraction: number;
  cossim: number;
  tokens: number;
}

export class CoreAccumulator {
  private tokens = 0;
  private squaredError = 0;
  private active = 0;
  private cosines = 0;
  private readonly sum: Float64Array;
  private readonly sumSquares: Float64Array;
  private readonly fires: Float64Array;

  constructor(
    readonly dIn: number,
    readonly dSae: number,
  ) {
    this.sum = new Float64Array(dIn);
    this.sumSquares = new Float64Array(dIn);
    this.fires = new Float64Array(dSae);
  }

  /** x, reconstruction: [n, dIn]; codes: the n rows' codes. */
  observe(x: Float32Array, reconstruction: Float32Array, codes: CsrCodes): void {
    const d = this.dIn;
    const n = codes.rows;
    for (let r = 0; r < n; r++) {
      let dotXR = 0;
      let xx = 0;
      let rr = 0;
      for (let p = 0; p < d; p++) {
        const a = x[r * d + p];
        const b = reconstruction[r * d + p];
        this.squaredError += (a - b) ** 2;
        this.sum[p] += a;
        this.sumSquares[p] += a * a;
        dotXR += a * b;
        xx += a * a;
        rr += b * b;
      }
      this.cosines += xx > 0 && rr > 0 ? dotXR / Math.sqrt(xx * rr) : 0;
      for (let e = codes.rowStart[r]; e < codes.rowStart[r + 1]; e++)
        if (codes.values[e] > 0) {
          this.active++;
          this.fires[codes.indices[e]]++;
        }
    }
    this.tokens += n;
  }

  finish(): CoreMetrics {
    const n = this.tokens;
    let total = 0;
    for (let p = 0; p < this.dIn; p++) total += this.sumSquares[p] - this.sum[p] ** 2 / n;
    const fvu = this.squaredError / total;
    const { deadFraction, denseFraction } = densitySummary(this.fires.map((c) => c / n));
    return {
      fvu,
      explainedVariance: 1 - fvu,
      mse: this.squaredError / (n * this.dIn),
      l0: this.active / n,
      deadFraction,
      denseFraction,
      cossim: this.cosines / n,
      tokens: n,
    };
  }
}
