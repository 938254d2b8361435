// Evaluate one dictionary offline (issue 17): one pass over a held-out slice of Brown through the model and the
// dictionary, then every evaluation kind from what the pass kept: core metrics, sparse probing (POS per token,
// genre per window), TPP on genres, POS absorption, and label scoring. The one module of evaluation/ that does I/O
// (reads the corpus, runs the model); the numbers come from the pure modules beside it.
import { readFileSync } from 'node:fs';
import { MIN_FIRINGS_TO_LABEL, MIN_LABEL_F1, baseTag } from '@atlas/migrations';
import { splicedLosses } from '../analysis/ceLoss.js';
import { LabelAssociation, shortLabel } from '../analysis/labelAssociation.js';
import type { Backend } from '../engine/backend.js';
import type { TrainingText } from './trainingDocuments.js';
import { AtlasError } from '../errors.js';
import { fromDense, type CsrCodes } from '../inference/csrCodes.js';
import type { InferenceDictionary } from '../inference/inferenceDictionary.js';
import type { InferenceModel } from '../inference/inferenceModel.js';
import { brownCorpus } from '../sources/brown.js';
import { tokenizeDocument, type TokenizedDocument } from '../sources/corpusCache.js';
import { topCosineNeighboursOn } from '../analysis/similarity.js';
import { classAbsorption } from './absorption.js';
import { CoreAccumulator } from './coreMetrics.js';
import {
  EVALUATION_KINDS,
  type EvaluationKind,
  type EvaluationRow,
  type FeatureLabelScore,
  type SaebenchResult,
  saebenchResults,
} from './evaluationRows.js';
import { detectionScore } from './labelScoring.js';
import { denseSamples, sparseSamples, type SampleMatrix } from './sampleMatrix.js';
import { sparseProbing, testDocuments, type ClassProbing, type ProbingTask } from './sparseProbing.js';
import { targetedProbePerturbation } from './tpp.js';

/**
 * The held-out slice: Brown documents i with i % every === every − 1 (every 5th: 100 of 500, 20 per 100 in every
 * genre's run of files), the first `tokensPerDocument` tokens of each. The demo trains on the first documents in
 * corpus order, so its first held-out documents overlap its training text; the probes' train/test split is
 * within the slice, by documents.
 */
export interface EvaluationSlice {
  every: number;
  documents: number;
  tokensPerDocument: number;
}

/**
 * 100 documents × 512 tokens ≈ 51,000 tokens: 8 windows of the built-in model per document, so each genre's test
 * documents give a few dozen pooled windows; all kinds of a demo dictionary in well under 2 minutes.
 */
export const DEFAULT_SLICE: EvaluationSlice = { every: 5, documents: 100, tokensPerDocument: 512 };

export interface EvaluateOptions {
  dictionaryId: number;
  model: InferenceModel;
  dictionary: InferenceDictionary;
  hook: string;
  backend: Backend;
  only?: EvaluationKind[];
  /** Held-out documents (shorthand for slice.documents). */
  documents?: number;
  slice?: Partial<EvaluationSlice>;
  seed?: number;
  /** Brown documents in corpus order, tokenized by this model (tests); default: read and tokenize Brown. */
  corpus?: TokenizedDocument[];
  codeVersion?: string;
  /**
   * Labels to score (the atlas' stored ones: a POS tag or genre of the label's association, or its quoted peak
   * tokens); default: labels made on the slice's train documents by the analysis' rule.
   */
  labels?: LabelPredicate[];
  onProgress?: (fraction: number) => void;
  /**
   * The text the dictionary was trained on (trainingDocuments): its documents are left out of the slice; null says
   * it is unknown (the slice says so); undefined: not asked (tests of the numbers alone).
   */
  training?: TrainingText | null;
}

/** One auto-label of a feature, as a predicate on tokens. */
export type LabelPredicate = Pick<FeatureLabelScore, 'featureIndex' | 'labelKind' | 'label'>;

export interface EvaluationOutput {
  rows: EvaluationRow[];
  labelScores: FeatureLabelScore[];
  saebench: SaebenchResult[];
  /** Milliseconds per kind, and 'pass' for the shared forward/encode pass. */
  timings: Record<string, number>;
}

const PROBING = { k: [1, 2, 5], l2: 1, testFraction: 0.25, maxPerSide: 400, minPositives: { train: 20, test: 10 } };
const GENRE_MIN_POSITIVES = { train: 8, test: 4 };
const TPP_N = [2, 5, 10, 20, 50];
const ABSORPTION_MAX_K = 5;
const POS_CLASSES_MAX = 12;

function workerVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return `worker ${pkg.version ?? 'unknown'}`;
  } catch {
    return 'worker unknown';
  }
}

/** The held-out slice of a corpus, re-indexed 0..n−1 (its own document numbering) and cut per document. */
export async function evaluationSlice(
  model: InferenceModel,
  slice: EvaluationSlice,
  corpus?: TokenizedDocument[],
  training?: TrainingText | null,
) {
  // The documents the dictionary was trained on are not held out: leave them out (Brown's only; other corpora's
  // document numbers say nothing about Brown's).
  const seen = training?.corpus === 'brown' ? training.documents : new Set<number>();
  let left = 0;
  for (const [field, value] of Object.entries(slice))
    if (!Number.isInteger(value) || value < 1)
      throw new AtlasError('ARGUMENT_INVALID', `evaluation slice ${field} is ${value}; pass a whole number ≥ 1`);
  const picked: TokenizedDocument[] = [];
  const take = (doc: TokenizedDocument, index: number) => {
    if (index % slice.every !== slice.every - 1 || picked.length >= slice.documents) return;
    if (seen.has(index)) {
      left++;
      return;
    }
    const n = Math.min(doc.tokens.length, slice.tokensPerDocument);
    picked.push({
      ...doc,
      doc: picked.length,
      tokens: doc.tokens.slice(0, n),
      starts: doc.starts.slice(0, n),
      ends: doc.ends.slice(0, n),
      tags: doc.tags?.slice(0, n),
    });
  };
  if (corpus) corpus.forEach(take);
  else {
    let i = 0;
    for await (const d of brownCorpus().documents()) {
      if (i % slice.every === slice.every - 1) take(tokenizeDocument(model.tokenizer, d, i), i);
      if (picked.length >= slice.documents) break;
      i++;
    }
  }
  const tokens = picked.reduce((s, d) => s + d.tokens.length, 0);
  const trainingNote =
    training === undefined
      ? ''
      : training === null
        ? '; the dictionary does not record its training text, so some may be text it was trained on'
        : training.corpus === 'brown'
          ? `; ${left} more the dictionary was trained on left out`
          : `; trained on ${training.corpus}, not Brown`;
  const describe = `brown: ${picked.length} held-out documents (every ${ordinal(slice.every)}, first ${slice.tokensPerDocument} tokens of each), ${tokens.toLocaleString('en')} tokens${trainingNote}`;
  return { documents: picked, tokens, describe };
}

function ordinal(n: number): string {
  return n === 1 ? 'one' : `${n}${n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
}

/** Concatenate CSR batches into one. */
function concatCodes(parts: CsrCodes[]): CsrCodes {
  const rows = parts.reduce((s, p) => s + p.rows, 0);
  const nnz = parts.reduce((s, p) => s + p.indices.length, 0);
  const out: CsrCodes = {
    rows,
    rowStart: new Int32Array(rows + 1),
    indices: new Int32Array(nnz),
    values: new Float32Array(nnz),
  };
  let r = 0;
  let e = 0;
  for (const p of parts) {
    for (let i = 0; i < p.rows; i++) out.rowStart[r + i] = e + p.rowStart[i];
    out.indices.set(p.indices, e);
    out.values.set(p.values, e);
    r += p.rows;
    e += p.indices.length;
  }
  out.rowStart[rows] = e;
  return out;
}

/** Run every requested evaluation of one dictionary on the held-out slice. */
export async function evaluateDictionary(o: EvaluateOptions): Promise<EvaluationOutput> {
  const kinds = new Set(o.only ?? EVALUATION_KINDS);
  for (const k of kinds)
    if (!EVALUATION_KINDS.includes(k))
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `evaluation kind '${k}' is unknown; pass some of ${EVALUATION_KINDS.join(', ')}`,
      );
  const seed = o.seed ?? 0;
  const sliceRule = { ...DEFAULT_SLICE, ...o.slice, ...(o.documents === undefined ? {} : { documents: o.documents }) };
  const { sae } = o.dictionary;
  const { dIn, dSae } = sae;
  for (const { featureIndex: f } of o.labels ?? [])
    if (!(Number.isInteger(f) && f >= 0 && f < dSae))
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `labels: featureIndex ${f} is outside the dictionary's ${dSae} latents; pass indices 0 … ${dSae - 1}`,
      );
  if (sae.transcoder)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `the dictionary is a ${sae.transcoder.architecture} (reads ${o.hook}, writes ${sae.transcoder.hookNameOut}); evaluations measure an SAE's reconstruction of the hook it reads and do not apply to transcoders yet`,
    );
  const hookWidth = o.model.hook(o.hook).width;
  if (hookWidth !== dIn)
    throw new AtlasError(
      'SOURCE_SHAPE_MISMATCH',
      `hook ${o.hook} is ${hookWidth} wide but the dictionary expects dIn=${dIn}; pick the dictionary's own hook`,
    );
  const timings: Record<string, number> = {};
  const progress = (f: number) => o.onProgress?.(Math.min(1, f));
  let t = performance.now();
  const slice = await evaluationSlice(o.model, sliceRule, o.corpus, o.training);
  const docs = slice.documents;
  const windows = o.dictionary.windowsOn(o.model);
  const perWindow = windows.contextSize - (windows.bosId === undefined ? 0 : 1);

  // The one pass: hook rows (kept dense for the token probes), codes, core sums, pooled windows.
  const n = slice.tokens;
  const hookRows = new Float32Array(n * dIn);
  const codeParts: CsrCodes[] = [];
  const tokenDoc = new Int32Array(n);
  const tokenPos = new Int32Array(n);
  const tokenIds = new Int32Array(n);
  const core = new CoreAccumulator(dIn, dSae);
  const stream = o.model.activations({ documents: docs, hook: o.hook, windows, batchSize: 32 });
  let done = 0;
  for await (const batch of stream) {
    const rows = batch.tokens.length;
    const codes = await o.dictionary.encode(o.backend, batch.acts, rows);
    core.observe(batch.acts, o.dictionary.decode(codes), codes);
    codeParts.push(codes);
    hookRows.set(batch.acts, batch.firstRow * dIn);
    tokenIds.set(batch.tokens, batch.firstRow);
    for (let r = 0; r < rows; r++) {
      tokenDoc[batch.firstRow + r] = batch.positions[2 * r];
      tokenPos[batch.firstRow + r] = batch.positions[2 * r + 1];
    }
    done += rows;
    progress((0.5 * done) / n);
  }
  const codes = concatCodes(codeParts);
  timings.pass = performance.now() - t;
  const test = testDocuments(
    docs.map((d) => d.doc),
    (d) => docs[d].genre ?? '',
    PROBING.testFraction,
    seed,
  );
  const base = {
    dictionaryId: o.dictionaryId,
    corpusSlice: slice.describe,
    model: o.model.name,
    codeVersion: o.codeVersion ?? workerVersion(),
    createdAt: new Date(),
  };
  const rows: EvaluationRow[] = [];
  const push = (
    kind: EvaluationKind,
    settings: Record<string, unknown>,
    metric: string,
    subject: string | null,
    value: number,
  ) => rows.push({ ...base, kind, settings, metric, subject, value });

  if (kinds.has('core')) {
    t = performance.now();
    const m = core.finish();
    const ce = await splicedLosses({
      sae,
      model: o.model.loaded,
      contextSize: windows.contextSize,
      documents: docs,
      hook: o.hook,
      backend: o.backend,
    });
    const nb = await topCosineNeighboursOn(o.backend, sae.wDec, dSae, sae.wDec, dSae, dIn, 1, { excludeSelf: true });
    const settings = { tokens: m.tokens, ceLossWindows: 64, contextSize: windows.contextSize, denseThreshold: 0.1 };
    const values: [string, number][] = [
      ['fvu', m.fvu],
      ['explained_variance', m.explainedVariance],
      ['mse', m.mse],
      ['l0', m.l0],
      ['dead_fraction', m.deadFraction],
      ['dense_fraction', m.denseFraction],
      ['cossim', m.cossim],
      ['decoder_max_pairwise_cosine', nb.cosines.reduce((a, b) => Math.max(a, b), -1)],
    ];
    if (ce && !('skipped' in ce))
      values.push(
        ['ce_loss_clean', ce.clean],
        ['ce_loss_spliced', ce.spliced],
        ['ce_loss_zero_ablated', ce.zeroAblated],
        ['ce_loss_score', ce.recovered],
        ['kl_div_spliced', ce.klSpliced],
      );
    for (const [metric, value] of values) push('core', settings, metric, null, value);
    timings.core = performance.now() - t;
  }
  progress(0.6);

  const needProbing = kinds.has('sparse_probing') || kinds.has('tpp') || kinds.has('absorption');
  const probingSettings = {
    k: PROBING.k,
    seed,
    l2: PROBING.l2,
    testFraction: PROBING.testFraction,
    maxPerSide: PROBING.maxPerSide,
    split: 'by document, stratified by genre',
  };
  let pos: { classes: ClassProbing[]; hook: SampleMatrix; latents: SampleMatrix } | undefined;
  let genre: { classes: ClassProbing[]; hook: SampleMatrix; latents: SampleMatrix } | undefined;
  if (needProbing) {
    t = performance.now();
    // POS per token: the base tags with the most tokens in the slice (enough positives in train and test).
    const tagCounts = new Map<string, number>();
    const tokenTag: (string | null)[] = Array.from({ length: n }, (_, i) => {
      const tag = docs[tokenDoc[i]].tags?.[tokenPos[i]];
      return tag ? baseTag(tag) : null;
    });
    for (const tag of tokenTag) if (tag && /^[a-z]/.test(tag)) tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
    const posClasses = [...tagCounts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, POS_CLASSES_MAX)
      .map(([tag]) => tag);
    const posTask: ProbingTask = {
      name: 'pos',
      classes: posClasses,
      label: Int32Array.from(tokenTag, (tag) => (tag ? posClasses.indexOf(tag) : -1)),
      document: tokenDoc,
    };
    const tokenHook = denseSamples(hookRows, n, dIn);
    const tokenLatents = sparseSamples(codes, dSae);
    const posResult = sparseProbing(posTask, tokenHook, tokenLatents, test, { ...PROBING, seed });
    pos = { classes: posResult.classes, hook: tokenHook, latents: tokenLatents };
    // Genre per window, mean-pooled over its (non-BOS) tokens.
    const windowOf = new Int32Array(n);
    const windowDoc: number[] = [];
    const windowKey = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const key = `${tokenDoc[i]}:${Math.floor(tokenPos[i] / perWindow)}`;
      let w = windowKey.get(key);
      if (w === undefined) {
        w = windowDoc.length;
        windowKey.set(key, w);
        windowDoc.push(tokenDoc[i]);
      }
      windowOf[i] = w;
    }
    const nw = windowDoc.length;
    const pooledHook = new Float32Array(nw * dIn);
    const pooledLatents = new Float32Array(nw * dSae);
    const count = new Float64Array(nw);
    for (let i = 0; i < n; i++) {
      const w = windowOf[i];
      count[w]++;
      for (let p = 0; p < dIn; p++) pooledHook[w * dIn + p] += hookRows[i * dIn + p];
      for (let e = codes.rowStart[i]; e < codes.rowStart[i + 1]; e++)
        pooledLatents[w * dSae + codes.indices[e]] += codes.values[e];
    }
    for (let w = 0; w < nw; w++) {
      for (let p = 0; p < dIn; p++) pooledHook[w * dIn + p] /= count[w];
      for (let l = 0; l < dSae; l++) pooledLatents[w * dSae + l] /= count[w];
    }
    const genres = [...new Set(docs.map((d) => d.genre ?? ''))].filter((g) => g !== '').sort();
    const genreTask: ProbingTask = {
      name: 'genre',
      classes: genres,
      label: Int32Array.from(windowDoc, (d) => genres.indexOf(docs[d].genre ?? '')),
      document: Int32Array.from(windowDoc),
    };
    const windowHook = denseSamples(pooledHook, nw, dIn);
    const windowLatents = sparseSamples(fromDense(pooledLatents, dSae), dSae);
    const genreResult = sparseProbing(genreTask, windowHook, windowLatents, test, {
      ...PROBING,
      seed,
      minPositives: GENRE_MIN_POSITIVES,
    });
    genre = { classes: genreResult.classes, hook: windowHook, latents: windowLatents };
    if (kinds.has('sparse_probing'))
      for (const [task, result] of [
        ['pos', posResult],
        ['genre', genreResult],
      ] as const) {
        // One settings object for both tasks: SAEBench's layout has one eval_config per kind.
        const settings = {
          ...probingSettings,
          tasks: { pos: 'token level', genre: 'windows mean-pooled over non-BOS tokens' },
          classes: {
            pos: posResult.classes.map((c) => c.className),
            genre: genreResult.classes.map((c) => c.className),
          },
          skippedClasses: { pos: posResult.skipped, genre: genreResult.skipped },
          minPositives: { pos: PROBING.minPositives, genre: GENRE_MIN_POSITIVES },
        };
        const perClass = (c: ClassProbing): [string, number][] => [
          ['llm_test_accuracy', c.llm.testAccuracy],
          ...PROBING.k.map((k): [string, number] => [`llm_top_${k}_test_accuracy`, c.llmTopK.get(k)!.testAccuracy]),
          ...PROBING.k.map((k): [string, number] => [`sae_top_${k}_test_accuracy`, c.saeTopK.get(k)!.testAccuracy]),
        ];
        const sums = new Map<string, number>();
        for (const c of result.classes)
          for (const [metric, value] of perClass(c)) {
            push('sparse_probing', settings, `${task}.${metric}`, c.className, value);
            sums.set(metric, (sums.get(metric) ?? 0) + value);
          }
        for (const [metric, sum] of sums)
          push('sparse_probing', settings, `${task}.${metric}`, null, sum / result.classes.length);
      }
    timings.sparse_probing = performance.now() - t;
  }
  progress(0.75);

  if (kinds.has('tpp') && genre) {
    t = performance.now();
    const r = targetedProbePerturbation({
      classes: genre.classes,
      hook: genre.hook,
      latents: genre.latents,
      wDec: sae.wDec,
      n: TPP_N,
    });
    const settings = { n: TPP_N, seed, l2: PROBING.l2, task: 'genre', classes: genre.classes.map((c) => c.className) };
    for (const N of TPP_N) {
      push('tpp', settings, `tpp_metric_top_${N}`, null, r.metric.get(N)!);
      for (const c of r.perClass) {
        push('tpp', settings, `tpp_intended_drop_top_${N}`, c.className, c.intended.get(N)!);
        push('tpp', settings, `tpp_unintended_drop_top_${N}`, c.className, c.unintended.get(N)!);
      }
    }
    timings.tpp = performance.now() - t;
  }
  progress(0.85);

  if (kinds.has('absorption') && pos) {
    t = performance.now();
    const settings = { variant: 'part_of_speech', maxK: ABSORPTION_MAX_K, f1Gain: 0.03, seed, l2: PROBING.l2 };
    const results = pos.classes.map((c) =>
      classAbsorption(c, pos!.hook, pos!.latents, sae.wDec, { maxK: ABSORPTION_MAX_K, l2: PROBING.l2 }),
    );
    const scored = results.filter((r) => r.truePositives > 0);
    for (const r of scored) {
      push('absorption', settings, 'mean_absorption_fraction', r.className, r.meanAbsorptionFraction);
      push('absorption', settings, 'mean_full_absorption_score', r.className, r.fullAbsorptionRate);
      push('absorption', settings, 'mean_num_split_features', r.className, r.numSplitFeatures);
    }
    const mean = (f: (r: (typeof scored)[number]) => number) => scored.reduce((s, r) => s + f(r), 0) / scored.length;
    push(
      'absorption',
      settings,
      'mean_absorption_fraction',
      null,
      mean((r) => r.meanAbsorptionFraction),
    );
    push(
      'absorption',
      settings,
      'mean_full_absorption_score',
      null,
      mean((r) => r.fullAbsorptionRate),
    );
    push(
      'absorption',
      settings,
      'mean_num_split_features',
      null,
      mean((r) => r.numSplitFeatures),
    );
    timings.absorption = performance.now() - t;
  }
  progress(0.9);

  const labelScores: FeatureLabelScore[] = [];
  if (kinds.has('label_scoring')) {
    t = performance.now();
    const scores = labelScoring(o, docs, codes, { tokenDoc, tokenPos, tokenIds }, test);
    labelScores.push(...scores.labelScores);
    const settings = {
      rule: 'labels from the slice’s train documents (the analysis’ rule), scored on its test documents',
      minF1: MIN_LABEL_F1,
      minFirings: MIN_FIRINGS_TO_LABEL,
      seed,
    };
    const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
    const f1s = labelScores.map((s) => s.f1);
    const aucs = finite(labelScores.map((s) => s.rocAuc));
    push('label_scoring', settings, 'mean_f1', null, f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : NaN);
    push(
      'label_scoring',
      settings,
      'mean_roc_auc',
      null,
      aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : NaN,
    );
    push('label_scoring', settings, 'labelled_fraction', null, labelScores.length / dSae);
    timings.label_scoring = performance.now() - t;
  }
  progress(1);
  const saebench = saebenchResults(rows, { saeCfg: sae.cfg, codeVersion: base.codeVersion });
  return { rows, labelScores, saebench, timings };
}

/**
 * Score each feature's label (given, or made on the slice's train documents by the analysis' rule) as a detector
 * on the slice's test documents.
 */
function labelScoring(
  o: EvaluateOptions,
  docs: TokenizedDocument[],
  codes: CsrCodes,
  at: { tokenDoc: Int32Array; tokenPos: Int32Array; tokenIds: Int32Array },
  test: Set<number>,
): { labelScores: FeatureLabelScore[] } {
  const dSae = o.dictionary.sae.dSae;
  const n = codes.rows;
  const tagValues = new Map<string, number>();
  const genreValues = new Map<string, number>();
  const posId = new Int32Array(n).fill(-1);
  const genreId = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const tag = docs[at.tokenDoc[i]].tags?.[at.tokenPos[i]];
    if (tag) {
      const b = baseTag(tag);
      if (!tagValues.has(b)) tagValues.set(b, tagValues.size);
      posId[i] = tagValues.get(b)!;
    }
    const g = docs[at.tokenDoc[i]].genre;
    if (g !== undefined) {
      if (!genreValues.has(g)) genreValues.set(g, genreValues.size);
      genreId[i] = genreValues.get(g)!;
    }
  }
  const isTest = Uint8Array.from(at.tokenDoc, (d) => (test.has(d) ? 1 : 0));
  const association = new LabelAssociation(dSae, [
    { name: 'pos', values: [...tagValues.keys()] },
    { name: 'genre', values: [...genreValues.keys()] },
  ]);
  const trainPos = posId.map((v, i) => (isTest[i] ? -1 : v));
  const trainGenre = genreId.map((v, i) => (isTest[i] ? -1 : v));
  // Rows of test tokens count nowhere in the association: their codes are masked out by a zero-value copy.
  const trainCodes: CsrCodes = { ...codes, values: codes.values.slice() };
  for (let i = 0; i < n; i++)
    if (isTest[i]) for (let e = codes.rowStart[i]; e < codes.rowStart[i + 1]; e++) trainCodes.values[e] = 0;
  association.observe(trainCodes, [trainPos, trainGenre]);
  // Top-activating train tokens per feature (its 20 largest), for the token label.
  const top: { value: number; token: number }[][] = Array.from({ length: dSae }, () => []);
  for (let i = 0; i < n; i++) {
    if (isTest[i]) continue;
    for (let e = codes.rowStart[i]; e < codes.rowStart[i + 1]; e++) {
      const list = top[codes.indices[e]];
      list.push({ value: codes.values[e], token: at.tokenIds[i] });
      if (list.length > 40) {
        list.sort((a, b) => b.value - a.value);
        list.length = 20;
      }
    }
  }
  const tokenText = (id: number) => o.model.tokenizer.tokenText(id).trim();
  // Test tokens in order, and each feature's firings among them.
  const testRows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => isTest[i] === 1);
  const testIndex = new Int32Array(n).fill(-1);
  testRows.forEach((r, j) => (testIndex[r] = j));
  const firingRows: number[][] = Array.from({ length: dSae }, () => []);
  const firingValues: number[][] = Array.from({ length: dSae }, () => []);
  for (const r of testRows)
    for (let e = codes.rowStart[r]; e < codes.rowStart[r + 1]; e++)
      if (codes.values[e] > 0) {
        firingRows[codes.indices[e]].push(testIndex[r]);
        firingValues[codes.indices[e]].push(codes.values[e]);
      }
  // Each test token's label ids once (a token label's mask is built by id, not by re-reading token text).
  const testTextId = new Int32Array(testRows.length);
  const textIds = new Map<string, number>();
  testRows.forEach((r, j) => {
    const text = tokenText(at.tokenIds[r]);
    if (!textIds.has(text)) textIds.set(text, textIds.size);
    testTextId[j] = textIds.get(text)!;
  });
  // Test positions of each token text and label id: a predicate's mask is set from its positives alone.
  const positionsOf = (ids: ArrayLike<number>) => {
    const out = new Map<number, number[]>();
    for (let j = 0; j < ids.length; j++) {
      const list = out.get(ids[j]);
      if (list) list.push(j);
      else out.set(ids[j], [j]);
    }
    return out;
  };
  const byText = positionsOf(testTextId);
  const byTag = positionsOf(Int32Array.from(testRows, (r) => posId[r]));
  const byGenre = positionsOf(Int32Array.from(testRows, (r) => genreId[r]));
  const predicates = new Map<string, Uint8Array>();
  const holds = (kind: FeatureLabelScore['labelKind'], label: string): Uint8Array => {
    const key = `${kind}:${label}`;
    let mask = predicates.get(key);
    if (!mask) {
      mask = new Uint8Array(testRows.length);
      const lists =
        kind === 'token'
          ? tokenLabelTexts(label).map((t) => byText.get(textIds.get(t) ?? -1))
          : kind === 'pos'
            ? [byTag.get(tagValues.get(label) ?? -2)]
            : [byGenre.get(genreValues.get(label) ?? -2)];
      for (const list of lists) for (const j of list ?? []) mask[j] = 1;
      predicates.set(key, mask);
    }
    return mask;
  };
  const labels = o.labels ?? derivedLabels(association, top, tokenText);
  const labelScores: FeatureLabelScore[] = [];
  for (const { featureIndex: f, labelKind, label } of labels) {
    const s = detectionScore(
      holds(labelKind, label),
      Int32Array.from(firingRows[f]),
      Float32Array.from(firingValues[f]),
    );
    labelScores.push({ dictionaryId: o.dictionaryId, featureIndex: f, labelKind, label, ...s });
  }
  return { labelScores };
}

/** The texts of a token label as the analysis writes it (`"the" "a"`), or the label itself when unquoted. */
export function tokenLabelTexts(label: string): string[] {
  const quoted = label.match(/"(?:[^"\\]|\\.)*"/g);
  return quoted ? quoted.map((q) => (JSON.parse(q) as string).trim()) : [label.trim()];
}

/**
 * Each feature's label by the analysis' own rule (`shortLabel`): its best POS / genre association when F1 ≥
 * MIN_LABEL_F1, else its most frequent top-activating tokens; none below MIN_FIRINGS_TO_LABEL firings.
 */
function derivedLabels(
  association: LabelAssociation,
  top: { value: number; token: number }[][],
  tokenText: (id: number) => string,
): LabelPredicate[] {
  const out: LabelPredicate[] = [];
  for (let f = 0; f < top.length; f++) {
    if (association.firings(f) < MIN_FIRINGS_TO_LABEL) continue;
    const scores = association.scores(f);
    const topTexts = top[f]
      .sort((a, b) => b.value - a.value)
      .slice(0, 20)
      .map((t) => tokenText(t.token));
    const text = shortLabel(scores, topTexts);
    if (text === undefined) continue;
    const best = scores[0];
    if (best && text.startsWith(`${best.label} (F1 `))
      out.push({ featureIndex: f, labelKind: best.family === 'pos' ? 'pos' : 'genre', label: best.label });
    else out.push({ featureIndex: f, labelKind: 'token', label: text });
  }
  return out;
}
