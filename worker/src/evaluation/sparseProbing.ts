// Sparse probing (SAEBench's procedure, adapted to Brown): per class, one-vs-rest with balanced negatives on a
// split by documents; the k columns with the largest |mean_pos − mean_neg| on train; an L2 logistic regression on
// them; test accuracy. Run on latents (k ∈ {1, 2, 5}) and, as baselines, on hook dimensions (the same k, and all).
import { AtlasError } from '../errors.js';
import { Rng } from '../engine/rng.js';
import { fitLogistic, probeAccuracy, type LogisticProbe } from './logisticRegression.js';
import type { SampleMatrix } from './sampleMatrix.js';

/** A probing task: samples labelled with one of `classes` (or -1), each from a document (the split's unit). */
export interface ProbingTask {
  name: 'pos' | 'genre';
  classes: string[];
  /** [samples] class index, -1 for none */
  label: Int32Array;
  /** [samples] document of the sample */
  document: Int32Array;
}

export interface ProbingOptions {
  /** k of the top-k probes (SAEBench: 1, 2, 5). */
  k: number[];
  seed: number;
  /** Penalty of the regression (see LogisticOptions.l2). */
  l2: number;
  /** Positives per class and side kept at most (subsampled), negatives as many. */
  maxPerSide: number;
  /** A class is probed only with at least this many positives in train and in test. */
  minPositives: { train: number; test: number };
}

/** The balanced train and test sets of one class: sample rows and 0/1 labels. */
export interface ClassSets {
  train: { rows: Int32Array; y: Uint8Array };
  test: { rows: Int32Array; y: Uint8Array };
}

/**
 * Balanced one-vs-rest sets of class c: its samples in train (test) documents, at most maxPerSide of them, and as
 * many samples of other classes from the same side; null when a side has too few positives.
 */
export function classSets(
  task: ProbingTask,
  c: number,
  testDocuments: Set<number>,
  o: Pick<ProbingOptions, 'seed' | 'maxPerSide' | 'minPositives'>,
): ClassSets | null {
  const rng = new Rng(o.seed * 7919 + c);
  const side = (test: boolean, min: number) => {
    const pos: number[] = [];
    const neg: number[] = [];
    for (let s = 0; s < task.label.length; s++) {
      if (task.label[s] < 0 || testDocuments.has(task.document[s]) !== test) continue;
      (task.label[s] === c ? pos : neg).push(s);
    }
    const take = Math.min(pos.length, neg.length, o.maxPerSide);
    if (take < min) return null;
    const p = rng.shuffle(Int32Array.from(pos)).subarray(0, take);
    const n = rng.shuffle(Int32Array.from(neg)).subarray(0, take);
    const rows = new Int32Array(2 * take);
    rows.set(p);
    rows.set(n, take);
    const y = new Uint8Array(2 * take);
    y.fill(1, 0, take);
    return { rows, y };
  };
  const train = side(false, o.minPositives.train);
  const test = side(true, o.minPositives.test);
  return train && test ? { train, test } : null;
}

/**
 * Documents held for test: a seeded fraction of each stratum's documents (at least one when the stratum has
 * two), so every genre with two or more documents has some in train and some in test.
 */
export function testDocuments(documents: number[], stratum: (doc: number) => string, fraction: number, seed: number) {
  if (!(fraction > 0 && fraction < 1))
    throw new AtlasError('ARGUMENT_INVALID', `testFraction is ${fraction}; pass a value in (0, 1), e.g. 0.25`);
  const rng = new Rng(seed);
  const strata = new Map<string, number[]>();
  for (const d of documents) strata.set(stratum(d), [...(strata.get(stratum(d)) ?? []), d]);
  const out = new Set<number>();
  for (const docs of strata.values()) {
    if (docs.length < 2) continue;
    const order = rng.shuffle(Int32Array.from(docs));
    const n = Math.min(docs.length - 1, Math.max(1, Math.round(fraction * docs.length)));
    for (let i = 0; i < n; i++) out.add(order[i]);
  }
  return out;
}

/** The k columns with the largest |mean over positives − mean over negatives| on the train set, best first. */
export function topColumns(matrix: SampleMatrix, sets: ClassSets, k: number, signed = false): Int32Array {
  const pos = sets.train.rows.filter((_, i) => sets.train.y[i] === 1);
  const neg = sets.train.rows.filter((_, i) => sets.train.y[i] === 0);
  const mp = matrix.columnMeans(pos);
  const mn = matrix.columnMeans(neg);
  const score = mp.map((v, j) => (signed ? v - mn[j] : Math.abs(v - mn[j])));
  const order = Array.from(score.keys()).sort((a, b) => score[b] - score[a] || a - b);
  return Int32Array.from(order.slice(0, Math.min(k, matrix.width)));
}

/** A probe on some columns (null: all) of the matrix, fitted on train, with its test accuracy. */
export interface ColumnProbe {
  columns: Int32Array | null;
  probe: LogisticProbe;
  testAccuracy: number;
}

export function fitColumnProbe(matrix: SampleMatrix, sets: ClassSets, columns: Int32Array | null, l2: number) {
  const w = columns ? columns.length : matrix.width;
  const probe = fitLogistic(matrix.gather(sets.train.rows, columns), sets.train.rows.length, w, sets.train.y, { l2 });
  const testX = matrix.gather(sets.test.rows, columns);
  return { columns, probe, testAccuracy: probeAccuracy(probe, testX, sets.test.rows.length, sets.test.y) };
}

/** One class's results: accuracy of the all-dims hook probe, of top-k hook dims and of top-k latents. */
export interface ClassProbing {
  className: string;
  sets: ClassSets;
  /** The probe on every hook dimension (TPP and absorption reuse it). */
  llm: ColumnProbe;
  llmTopK: Map<number, ColumnProbe>;
  saeTopK: Map<number, ColumnProbe>;
}

/** Sparse probing of every class with enough samples; classes without are left out (listed in `skipped`). */
export function sparseProbing(
  task: ProbingTask,
  hook: SampleMatrix,
  latents: SampleMatrix,
  test: Set<number>,
  o: ProbingOptions,
): { classes: ClassProbing[]; skipped: string[] } {
  const classes: ClassProbing[] = [];
  const skipped: string[] = [];
  task.classes.forEach((className, c) => {
    const sets = classSets(task, c, test, o);
    if (!sets) {
      skipped.push(className);
      return;
    }
    const llmTopK = new Map<number, ColumnProbe>();
    const saeTopK = new Map<number, ColumnProbe>();
    for (const k of o.k) {
      llmTopK.set(k, fitColumnProbe(hook, sets, topColumns(hook, sets, k), o.l2));
      saeTopK.set(k, fitColumnProbe(latents, sets, topColumns(latents, sets, k), o.l2));
    }
    classes.push({ className, sets, llm: fitColumnProbe(hook, sets, null, o.l2), llmTopK, saeTopK });
  });
  return { classes, skipped };
}
