// Neuronpedia's export layout (docs/neuronpedia-format.md): one folder per source, `<modelId>/<sourceId>/`, with
// model.jsonl, source.jsonl, sourceset.jsonl and release.jsonl (one row each, plain), and features/, activations/,
// explanations/ holding batch-<n>.jsonl.gz: rows of its Prisma tables Neuron, Activation and Explanation as its
// exporter (utils/neuronpedia-utils/neuronpedia_utils/export-data.py) writes them. This file holds the record
// schemas and the mapping to and from the atlas' rows; importNeuronpedia.ts and exportNeuronpedia.ts stream them.
import type { ExampleRecord, FeatureRecord } from '../ingest/ingestDictionary.js';
import type { ExplanationRow } from '../store/explanationRows.js';
import type { FeatureRow } from '../store/featureRows.js';
import type { ExampleLine } from './exportFormat.js';

// The rows the record builders below read, for callers outside the worker (the api's REST facade).
export type { FeatureRow as StoreFeatureRow } from '../store/featureRows.js';
export type { ExampleLine } from './exportFormat.js';
import { z } from 'zod';

export const NP_FEATURES_DIR = 'features';
export const NP_ACTIVATIONS_DIR = 'activations';
export const NP_EXPLANATIONS_DIR = 'explanations';
export const NP_MODEL_FILE = 'model.jsonl';
export const NP_SOURCE_FILE = 'source.jsonl';
export const NP_SOURCESET_FILE = 'sourceset.jsonl';
/** Rows per batch file, as Neuronpedia's exporter writes them (FEATURES_EXPLANATIONS_BATCH_SIZE, ACTIVATIONS_BATCH_SIZE). */
export const NP_BATCH_SIZE = 1024;
/** Neuronpedia marks a top activation (not one of a quantile bin) with bin bounds of -1 (SAEDashboard's convention). */
export const NP_TOP_BIN = -1;
/** Neuronpedia's rows name a creator (and explanations an author); the atlas's, unless an export is given one. */
export const DEFAULT_NP_CREATOR_ID = 'feature-atlas';

/** `index` is a String column in Neuronpedia's schema ("123"); a number is accepted too. */
const featureIndex = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d+$/, 'expected a feature index such as "123"')
    .transform((s) => Number(s))
    .refine((n) => Number.isSafeInteger(n), 'index too large'),
]);
const numbers = z.array(z.number());
const optionalNumber = z.number().nullish();

const sourceKey = { modelId: z.string().min(1), layer: z.string().min(1), index: featureIndex };

/** A row of Neuron (features/batch-<n>.jsonl.gz); every field but the key may be absent. */
export const NeuronRecord = z.object({
  ...sourceKey,
  maxActApprox: optionalNumber,
  frac_nonzero: optionalNumber,
  freq_hist_data_bar_heights: numbers.nullish(),
  freq_hist_data_bar_values: numbers.nullish(),
  logits_hist_data_bar_heights: numbers.nullish(),
  logits_hist_data_bar_values: numbers.nullish(),
  pos_str: z.array(z.string()).nullish(),
  pos_values: numbers.nullish(),
  neg_str: z.array(z.string()).nullish(),
  neg_values: numbers.nullish(),
  topkCosSimIndices: z.array(z.number().int()).nullish(),
  topkCosSimValues: numbers.nullish(),
  hasVector: z.boolean().nullish(),
  vector: numbers.nullish(),
  hookName: z.string().nullish(),
  umap_x: optionalNumber,
  umap_y: optionalNumber,
});
export type NeuronRecord = z.infer<typeof NeuronRecord>;

/** A row of Activation (activations/batch-<n>.jsonl.gz): one token window with the feature's value on each token. */
export const ActivationRecord = z
  .object({
    ...sourceKey,
    id: z.string().nullish(),
    tokens: z.array(z.string()),
    values: numbers,
    maxValue: z.number(),
    maxValueTokenIndex: z.number().int().nonnegative(),
    minValue: optionalNumber,
    dataIndex: z.string().nullish(),
    binMin: optionalNumber,
    binMax: optionalNumber,
    binContains: optionalNumber,
  })
  .superRefine((a, ctx) => {
    if (a.values.length !== a.tokens.length)
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `has ${a.values.length} values for ${a.tokens.length} tokens; there must be one per token`,
      });
    if (a.maxValueTokenIndex >= a.tokens.length)
      ctx.addIssue({
        code: 'custom',
        path: ['maxValueTokenIndex'],
        message: `${a.maxValueTokenIndex} is past the window of ${a.tokens.length} tokens`,
      });
  });
export type ActivationRecord = z.infer<typeof ActivationRecord>;

/** A row of Explanation (explanations/batch-<n>.jsonl.gz). Scores are columns of the table the exporter leaves out; read when present. */
export const ExplanationRecord = z.object({
  ...sourceKey,
  id: z.string().nullish(),
  description: z.string(),
  authorId: z.string().nullish(),
  typeName: z.string().nullish(),
  explanationModelName: z.string().nullish(),
  scoreV1: optionalNumber,
  scoreV2: optionalNumber,
  createdAt: z.string().nullish(),
});
export type ExplanationRecord = z.infer<typeof ExplanationRecord>;

/** model.jsonl and source.jsonl: only what the import reads. */
export const ModelRecord = z.object({ id: z.string().min(1), dimension: z.number().int().positive().nullish() });
export const SourceRecord = z.object({
  id: z.string().min(1),
  dataset: z.string().nullish(),
  hfRepoId: z.string().nullish(),
  hfFolderId: z.string().nullish(),
  saelensConfig: z.unknown().nullish(),
});

/** Bin edges from Neuronpedia's bar centres: midpoints between centres, the outer edges half a bar out. */
export function edgesFromCenters(centers: number[]): number[] {
  const n = centers.length;
  if (n === 1) return [centers[0], centers[0]];
  const edges = [centers[0] - (centers[1] - centers[0]) / 2];
  for (let i = 1; i < n; i++) edges.push((centers[i - 1] + centers[i]) / 2);
  edges.push(centers[n - 1] + (centers[n - 1] - centers[n - 2]) / 2);
  return edges;
}

/** Bar centres of the atlas' bin edges (exact inverse of edgesFromCenters for equal-width bins). */
export function centersFromEdges(edges: number[]): number[] {
  return edges.slice(1).map((e, i) => (edges[i] + e) / 2);
}

/** A Neuron row as the atlas stores a feature (decoder aside); `label` is its first explanation. */
export function featureFromNeuron(n: NeuronRecord, label: string | null): Omit<FeatureRecord, 'decoder'> {
  const hist = n.freq_hist_data_bar_values?.length ? n.freq_hist_data_bar_values : null;
  const pos = (n.pos_str ?? []).map((token, i) => ({ token, value: n.pos_values![i] }));
  const neg = (n.neg_str ?? []).map((token, i) => ({ token, value: n.neg_values![i] }));
  const logitHist = n.logits_hist_data_bar_values?.length
    ? { centers: n.logits_hist_data_bar_values, counts: n.logits_hist_data_bar_heights ?? [] }
    : null;
  const neighbors = (n.topkCosSimIndices ?? []).map((index, i) => ({ index, cosine: n.topkCosSimValues![i] }));
  // FeatureRecord types what analysis produces; these columns are nullable and ingest passes null through.
  return {
    index: n.index,
    density: n.frac_nonzero ?? null,
    meanActivation: null,
    maxActivation: n.maxActApprox ?? null,
    histogram: hist ? { edges: edgesFromCenters(hist), counts: n.freq_hist_data_bar_heights ?? [] } : null,
    label,
    labelScores: null,
    logits:
      pos.length || neg.length || logitHist
        ? { positive: pos, negative: neg, ...(logitHist ? { histogram: logitHist } : {}) }
        : null,
    mapX: n.umap_x ?? null,
    mapY: n.umap_y ?? null,
    neighbors: neighbors.length ? neighbors : null,
  } as unknown as Omit<FeatureRecord, 'decoder'>;
}

/** Pairs that must line up (pos_str with pos_values, ...): the first mismatch, for the error message. */
export function neuronMismatch(n: NeuronRecord): string | null {
  const pairs: [string, unknown[] | null | undefined, string, unknown[] | null | undefined][] = [
    ['pos_str', n.pos_str, 'pos_values', n.pos_values],
    ['neg_str', n.neg_str, 'neg_values', n.neg_values],
    ['topkCosSimIndices', n.topkCosSimIndices, 'topkCosSimValues', n.topkCosSimValues],
    [
      'freq_hist_data_bar_values',
      n.freq_hist_data_bar_values,
      'freq_hist_data_bar_heights',
      n.freq_hist_data_bar_heights,
    ],
    [
      'logits_hist_data_bar_values',
      n.logits_hist_data_bar_values,
      'logits_hist_data_bar_heights',
      n.logits_hist_data_bar_heights,
    ],
  ];
  for (const [a, av, b, bv] of pairs)
    if ((av?.length ?? 0) !== (bv?.length ?? 0))
      return `${a} has ${av?.length ?? 0} entries but ${b} has ${bv?.length ?? 0}; they must pair up`;
  return null;
}

/** What the split pass keeps of an activation: the atlas example fields that do not depend on its neighbours. */
export interface SpilledActivation {
  featureIndex: number;
  /** null: a top activation; else the quantile bin's lower bound (bins are numbered by it, weakest first). */
  binMin: number | null;
  maxActivation: number;
  docIndex: number;
  maxPosition: number;
  tokens: string[];
  activations: number[];
}

export function spillActivation(a: ActivationRecord): SpilledActivation {
  const doc = a.dataIndex != null && /^\d+$/.test(a.dataIndex) ? Number(a.dataIndex) : -1;
  return {
    featureIndex: a.index,
    binMin: a.binMin == null || a.binMin <= NP_TOP_BIN ? null : a.binMin,
    maxActivation: a.maxValue,
    docIndex: Number.isSafeInteger(doc) && doc <= 2 ** 31 - 1 ? doc : -1,
    maxPosition: a.maxValueTokenIndex,
    tokens: a.tokens,
    activations: a.values,
  };
}

/**
 * One feature's activations as atlas examples: top ones ranked by their peak (strongest first), quantile ones
 * binned by their lower bound (weakest bin 0) and ranked inside a bin the same way; ties keep file order.
 */
export function examplesFromActivations(acts: SpilledActivation[]): ExampleRecord[] {
  const bins = [...new Set(acts.filter((a) => a.binMin !== null).map((a) => a.binMin!))].sort((a, b) => a - b);
  const groups = new Map<string, SpilledActivation[]>();
  for (const a of acts) {
    const key = a.binMin === null ? 'top' : `q${bins.indexOf(a.binMin)}`;
    const group = groups.get(key) ?? [];
    group.push(a);
    groups.set(key, group);
  }
  const out: ExampleRecord[] = [];
  for (const [key, group] of groups) {
    const ranked = group.map((a, i) => ({ a, i })).sort((x, y) => y.a.maxActivation - x.a.maxActivation || x.i - y.i);
    ranked.forEach(({ a }, rank) =>
      out.push({
        featureIndex: a.featureIndex,
        kind: key === 'top' ? 'top' : 'quantile',
        bin: key === 'top' ? 0 : Number(key.slice(1)),
        rank,
        maxActivation: a.maxActivation,
        docIndex: a.docIndex,
        tokenStart: 0,
        maxPosition: a.maxPosition,
        tokens: a.tokens,
        activations: a.activations,
      }),
    );
  }
  return out;
}

/** An atlas explanation from a Neuronpedia one: its model (or type) is the source, its author the author. */
export function explanationFromRecord(e: ExplanationRecord, importedAt: string): ExplanationRow {
  return {
    feature_index: e.index,
    text: e.description,
    source: e.explanationModelName ?? e.typeName ?? 'neuronpedia',
    score: e.scoreV2 ?? e.scoreV1 ?? null,
    author: e.authorId ?? null,
    created_at: e.createdAt ?? importedAt,
  };
}

/** Where an atlas dictionary lives on Neuronpedia: its model id and source id. */
export interface NeuronpediaNames {
  modelId: string;
  sourceId: string;
}

/** Neuronpedia ids are URL path segments: lower case letters, digits, `-`, `_` and `.`. */
export function neuronpediaId(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'atlas'
  );
}

/** A feature row as a Neuron row (the columns export-data.py writes; what the atlas does not hold is left empty). */
export function neuronFromFeature(
  f: FeatureRow,
  names: NeuronpediaNames,
  hookName: string,
  creatorId: string,
  /** Write the decoder row as `vector` (for a source whose vectors came from Neuronpedia: steering vectors). */
  withVector = false,
) {
  const vector = withVector && f.decoder ? f.decoder : null;
  const hist = f.histogram as { edges: number[]; counts: number[] } | null;
  const logits = f.logits as {
    positive: { token: string; value: number }[];
    negative: { token: string; value: number }[];
    histogram?: { centers: number[]; counts: number[] };
  } | null;
  const neighbors = (f.neighbors ?? []) as { index: number; cosine: number }[];
  return {
    modelId: names.modelId,
    layer: names.sourceId,
    index: String(f.index),
    maxActApprox: f.max_activation,
    creatorId,
    // NOT NULL in Neuronpedia's schema (default 0): an unmeasured density goes out as 0.
    frac_nonzero: f.density ?? 0,
    freq_hist_data_bar_heights: hist?.counts ?? [],
    freq_hist_data_bar_values: hist ? centersFromEdges(hist.edges) : [],
    logits_hist_data_bar_heights: logits?.histogram?.counts ?? [],
    logits_hist_data_bar_values: logits?.histogram?.centers ?? [],
    neuron_alignment_indices: [],
    neuron_alignment_l1: [],
    neuron_alignment_values: [],
    correlated_neurons_indices: [],
    correlated_neurons_l1: [],
    correlated_neurons_pearson: [],
    decoder_weights_dist: [],
    neg_str: logits?.negative.map((l) => l.token) ?? [],
    neg_values: logits?.negative.map((l) => l.value) ?? [],
    pos_str: logits?.positive.map((l) => l.token) ?? [],
    pos_values: logits?.positive.map((l) => l.value) ?? [],
    sourceSetName: names.sourceId.replace(/^\d+-/, ''),
    topkCosSimIndices: neighbors.map((n) => n.index),
    topkCosSimValues: neighbors.map((n) => n.cosine),
    vector: vector ?? [],
    vectorLabel: null,
    hookName,
    vectorDefaultSteerStrength: vector ? f.max_activation : null,
    hasVector: vector !== null,
    umap_x: f.map_x,
    umap_y: f.map_y,
  };
}

/** Each quantile bin's bounds over one feature's examples: its examples' weakest and strongest peak. */
export function quantileBinBounds(
  examples: readonly Pick<ExampleLine, 'kind' | 'bin' | 'max_activation'>[],
): Map<number, { min: number; max: number }> {
  const bins = new Map<number, { min: number; max: number }>();
  for (const e of examples)
    if (e.kind === 'quantile') {
      const b = bins.get(e.bin) ?? { min: Infinity, max: -Infinity };
      bins.set(e.bin, { min: Math.min(b.min, e.max_activation), max: Math.max(b.max, e.max_activation) });
    }
  return bins;
}

/** An atlas example as an Activation row; a quantile bin's bounds are its examples' weakest and strongest peak. */
export function activationFromExample(
  e: ExampleLine,
  names: NeuronpediaNames,
  creatorId: string,
  bin: { min: number; max: number } | null,
) {
  return {
    id: `${names.sourceId}-${e.feature_index}-${e.kind}-${e.bin}-${e.rank}`,
    modelId: names.modelId,
    layer: names.sourceId,
    index: String(e.feature_index),
    creatorId,
    dataSource: null,
    dataIndex: e.doc_index >= 0 ? String(e.doc_index) : null,
    tokens: e.tokens,
    maxValue: e.max_activation,
    minValue: e.activations.length ? Math.min(...e.activations) : 0,
    values: e.activations,
    maxValueTokenIndex: e.max_position,
    dfaValues: [],
    dfaMaxValue: null,
    dfaTargetIndex: null,
    binContains: bin ? null : NP_TOP_BIN,
    binMin: bin ? bin.min : NP_TOP_BIN,
    binMax: bin ? bin.max : NP_TOP_BIN,
  };
}

/** The atlas's own kinds of explanation source (how it was made); any other source names the model that wrote it. */
const ATLAS_EXPLANATION_KINDS = new Set(['human', 'auto']);

/** Neuronpedia's typeName and explanationModelName for an atlas explanation's source (the reverse of
 *  explanationFromRecord's `explanationModelName ?? typeName`). */
export function explanationOrigin(source: string): { typeName: string | null; explanationModelName: string | null } {
  return ATLAS_EXPLANATION_KINDS.has(source)
    ? { typeName: source, explanationModelName: null }
    : { typeName: null, explanationModelName: source };
}

/** An atlas explanation as an Explanation row (its source becomes typeName or explanationModelName, its score scoreV2). */
export function explanationRecordFromRow(e: ExplanationRow, names: NeuronpediaNames, id: string, creatorId: string) {
  return {
    id,
    modelId: names.modelId,
    layer: names.sourceId,
    index: String(e.feature_index),
    authorId: e.author ?? creatorId,
    description: e.text,
    embedding: null,
    ...explanationOrigin(e.source),
    scoreV2: e.score,
    createdAt: e.created_at,
  };
}
