// Feature absorption, part-of-speech variant: SAEBench's computation (evals/absorption/feature_absorption_
// calculator.py) with POS classes in place of first letters. Per class: a probe direction u from a logistic
// regression on the hook; main latents by k-sparse probing, growing k while F1 gains ≥ 0.03; then on each test
// token of the class that the probe gets right, how much of the probe projection x·u the main latents miss and
// other probe-aligned latents carry instead. u is the unit direction of the hook probe's weights in the hook's own
// units (the probe is fitted on standardized columns and mapped back).
import { probeMargins } from './logisticRegression.js';
import type { SampleMatrix } from './sampleMatrix.js';
import { fitColumnProbe, topColumns, type ClassProbing } from './sparseProbing.js';

/** SAEBench's thresholds (feature_absorption.py). */
export const ABSORPTION_SETTINGS = {
  /** Cosine with u a latent needs to count as an absorber (absorption fraction). */
  absorberMinCosine: 0.1,
  /** Cosine with u the top-projecting latent needs (full absorption). */
  fullAbsorptionMinCosine: 0.025,
  /** Share of the probe projection the absorbers must carry. */
  minProjectionShare: 0.4,
  /** Absorbers summed at most. */
  maxAbsorbers: 3,
  /** Latents of the top-projection list (full absorption). */
  topProjections: 10,
  /** F1 gain that adds a main latent (feature splitting). */
  f1Gain: 0.03,
} as const;

const EPS = 1e-8;

/** One active latent on a token: its activation and its decoder row's cosine with u (projection = a · cos). */
export interface LatentScore {
  latent: number;
  activation: number;
  cosine: number;
}

/**
 * SAEBench's absorption fraction of one token: `probeProjection` = x·u, `main` = projections of the main latents
 * summed, `absorbers` = projections of the other latents with cosine ≥ 0.1 and projection > 0.
 */
export function absorptionFraction(probeProjection: number, main: number, absorbers: number[]): number {
  const top = [...absorbers]
    .sort((a, b) => b - a)
    .slice(0, ABSORPTION_SETTINGS.maxAbsorbers)
    .reduce((s, v) => s + v, 0);
  if (main >= probeProjection || top / probeProjection < ABSORPTION_SETTINGS.minProjectionShare) return 0;
  if (main <= 0) return 1;
  const absorbed = Math.min(top, probeProjection - main);
  return Math.min(1, Math.max(0, absorbed / (absorbed + main)));
}

/**
 * SAEBench's full absorption: no main latent fires, the top-projecting latent is aligned with u (cosine ≥ 0.025)
 * and carries ≥ 40% of a non-negative probe projection.
 */
export function isFullAbsorption(probeProjection: number, mainActivations: number[], top: LatentScore | undefined) {
  if (!mainActivations.every((a) => a < EPS)) return false;
  if (!top || top.cosine < ABSORPTION_SETTINGS.fullAbsorptionMinCosine) return false;
  if (probeProjection < 0) return false;
  return (top.activation * top.cosine) / probeProjection >= ABSORPTION_SETTINGS.minProjectionShare;
}

export interface ClassAbsorption {
  className: string;
  mainLatents: number[];
  /** Test tokens of the class the hook probe predicts (SAEBench's probe true positives). */
  truePositives: number;
  meanAbsorptionFraction: number;
  fullAbsorptionRate: number;
  numSplitFeatures: number;
}

/**
 * Main latents: the top-k while each k adds ≥ f1Gain of test F1 over k − 1. SAEBench ranks latents by the
 * weights of an L1-penalised probe on all latents; here by mean_pos − mean_neg (signed, as SAEBench keeps only
 * latents that predict the class), the ranking sparse probing uses, which needs no extra fit on d_sae columns.
 */
export function mainLatents(latents: SampleMatrix, c: ClassProbing, maxK: number, l2: number): number[] {
  let best = -Infinity;
  let chosen: number[] = [];
  for (let k = 1; k <= maxK; k++) {
    const columns = topColumns(latents, c.sets, k, true);
    const { probe } = fitColumnProbe(latents, c.sets, columns, l2);
    const margins = probeMargins(probe, latents.gather(c.sets.test.rows, columns), c.sets.test.rows.length);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    margins.forEach((m, r) => {
      const y = c.sets.test.y[r] === 1;
      if (m > 0 && y) tp++;
      else if (m > 0) fp++;
      else if (y) fn++;
    });
    const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    if (!(f1 > best + ABSORPTION_SETTINGS.f1Gain)) break;
    best = f1;
    chosen = [...columns];
  }
  return chosen;
}

/**
 * Absorption fraction and full absorption of each token: rows x [n, dIn] of the hook and f [n, dSae] of the
 * latents, probe weights w [dIn] (u = w / ‖w‖), decoder [dSae, dIn], and the class's main latents.
 */
export function absorptionOnTokens(
  w: ArrayLike<number>,
  x: ArrayLike<number>,
  f: ArrayLike<number>,
  n: number,
  wDec: Float32Array,
  main: number[],
): { fraction: number[]; full: boolean[] } {
  const dIn = w.length;
  const dSae = wDec.length / dIn;
  let norm = 0;
  for (let p = 0; p < dIn; p++) norm += w[p] * w[p];
  const u = Float64Array.from({ length: dIn }, (_, p) => w[p] / Math.sqrt(norm));
  const cosine = new Float64Array(dSae);
  for (let l = 0; l < dSae; l++) {
    let dot = 0;
    let nn = 0;
    for (let p = 0; p < dIn; p++) {
      dot += wDec[l * dIn + p] * u[p];
      nn += wDec[l * dIn + p] ** 2;
    }
    cosine[l] = nn > 0 ? dot / Math.sqrt(nn) : 0;
  }
  const isMain = new Set(main);
  const fraction: number[] = [];
  const full: boolean[] = [];
  for (let r = 0; r < n; r++) {
    let probeProjection = 0;
    for (let p = 0; p < dIn; p++) probeProjection += x[r * dIn + p] * u[p];
    let mainProjection = 0;
    const absorbers: number[] = [];
    const scores: LatentScore[] = [];
    for (let l = 0; l < dSae; l++) {
      const a = f[r * dSae + l];
      const projection = a * cosine[l];
      if (isMain.has(l)) mainProjection += projection;
      else if (cosine[l] >= ABSORPTION_SETTINGS.absorberMinCosine && projection > 0) absorbers.push(projection);
      if (a !== 0) scores.push({ latent: l, activation: a, cosine: cosine[l] });
    }
    fraction.push(absorptionFraction(probeProjection, mainProjection, absorbers));
    // SAEBench's top-projection list ranks every latent; an inactive one projects 0, so with any positive
    // projection among the active ones the top is active (and with none, full absorption fails either way).
    scores.sort((a, b) => b.activation * b.cosine - a.activation * a.cosine);
    const top = scores[0] && scores[0].activation * scores[0].cosine > 0 ? scores[0] : undefined;
    full.push(
      isFullAbsorption(
        probeProjection,
        main.map((l) => f[r * dSae + l]),
        top,
      ),
    );
  }
  return { fraction, full };
}

/** Absorption of one POS class (the class's hook probe and sets from sparse probing). */
export function classAbsorption(
  c: ClassProbing,
  hook: SampleMatrix,
  latents: SampleMatrix,
  wDec: Float32Array,
  o: { maxK: number; l2: number },
): ClassAbsorption {
  const main = mainLatents(latents, c, o.maxK, o.l2);
  const positives = c.sets.test.rows.filter((_, r) => c.sets.test.y[r] === 1);
  const margins = probeMargins(c.llm.probe, hook.gather(positives, null), positives.length);
  const rows = positives.filter((_, r) => margins[r] > 0);
  const n = rows.length;
  const t = absorptionOnTokens(c.llm.probe.weights, hook.gather(rows, null), latents.gather(rows, null), n, wDec, main);
  return {
    className: c.className,
    mainLatents: main,
    truePositives: n,
    meanAbsorptionFraction: n > 0 ? t.fraction.reduce((a, b) => a + b, 0) / n : NaN,
    fullAbsorptionRate: n > 0 ? t.full.filter(Boolean).length / n : NaN,
    numSplitFeatures: main.length,
  };
}
