// Targeted probe perturbation (SAEBench's TPP, on Brown genres): for each class, rank latents by their effect on
// that class's hook probe, (mean_pos − mean_neg of the pooled latent, clamped at 0) × (decoder row · probe
// weights); ablate the top N in latent space, x' = x − Σ f_l W_dec[l] (SAEBench decodes the ablated codes and adds
// the reconstruction error back, which is the same); re-probe every class. The metric is the class's own accuracy
// drop minus the mean drop of the other classes' probes under the same ablation.
import { probeAccuracy } from './logisticRegression.js';
import type { SampleMatrix } from './sampleMatrix.js';
import type { ClassProbing } from './sparseProbing.js';

export interface TppInput {
  /** Classes of the genre task with their hook probes and balanced sets (from sparseProbing). */
  classes: ClassProbing[];
  /** Pooled hook activations and pooled latents of the same samples. */
  hook: SampleMatrix;
  latents: SampleMatrix;
  /** [dSae, dIn] */
  wDec: Float32Array;
  /** Latents to ablate (SAEBench: 2, 5, 10, 20, 50). */
  n: number[];
}

export interface TppResult {
  /** Mean over classes of intended − unintended drop, per N. */
  metric: Map<number, number>;
  perClass: { className: string; intended: Map<number, number>; unintended: Map<number, number> }[];
}

/** Latents of class i by effect, best first (those with a nonzero effect, at most n). */
export function tppLatents(input: TppInput, i: number, n: number): Int32Array {
  const { sets, llm } = input.classes[i];
  const dIn = input.hook.width;
  const pos = sets.train.rows.filter((_, r) => sets.train.y[r] === 1);
  const neg = sets.train.rows.filter((_, r) => sets.train.y[r] === 0);
  const mp = input.latents.columnMeans(pos);
  const mn = input.latents.columnMeans(neg);
  const effect = new Float64Array(input.latents.width);
  for (let l = 0; l < effect.length; l++) {
    let dot = 0;
    for (let p = 0; p < dIn; p++) dot += input.wDec[l * dIn + p] * llm.probe.weights[p];
    effect[l] = Math.max(0, mp[l] - mn[l]) * dot;
  }
  const nonzero = Array.from(effect.keys()).filter((l) => effect[l] !== 0);
  nonzero.sort((a, b) => effect[b] - effect[a] || a - b);
  return Int32Array.from(nonzero.slice(0, n));
}

/** Test accuracy of class j's hook probe on its test set with latents `ablated` removed from the hook. */
function ablatedAccuracy(input: TppInput, j: number, ablated: Int32Array): number {
  const { sets, llm } = input.classes[j];
  const dIn = input.hook.width;
  const rows = sets.test.rows;
  const x = input.hook.gather(rows, null);
  const f = input.latents.gather(rows, ablated);
  for (let r = 0; r < rows.length; r++)
    for (let a = 0; a < ablated.length; a++) {
      const v = f[r * ablated.length + a];
      if (v === 0) continue;
      const base = ablated[a] * dIn;
      for (let p = 0; p < dIn; p++) x[r * dIn + p] -= v * input.wDec[base + p];
    }
  return probeAccuracy(llm.probe, x, rows.length, sets.test.y);
}

export function targetedProbePerturbation(input: TppInput): TppResult {
  const k = input.classes.length;
  const clean = input.classes.map((c) => c.llm.testAccuracy);
  const perClass: TppResult['perClass'] = input.classes.map((c) => ({
    className: c.className,
    intended: new Map(),
    unintended: new Map(),
  }));
  const metric = new Map<number, number>();
  for (const n of input.n) {
    let total = 0;
    for (let i = 0; i < k; i++) {
      const ablated = tppLatents(input, i, n);
      const intended = clean[i] - ablatedAccuracy(input, i, ablated);
      let others = 0;
      for (let j = 0; j < k; j++) if (j !== i) others += clean[j] - ablatedAccuracy(input, j, ablated);
      const unintended = k > 1 ? others / (k - 1) : 0;
      perClass[i].intended.set(n, intended);
      perClass[i].unintended.set(n, unintended);
      total += intended - unintended;
    }
    metric.set(n, k > 0 ? total / k : NaN);
  }
  return { metric, perClass };
}
