// A feature of the atlas in the shape of Neuronpedia's `GET /api/feature/{modelId}/{layer}/{index}` answer (its
// Neuron row with activations and explanations), read through the same loaders as GraphQL's `feature`. Fields the
// atlas has no value for are null or empty lists (docs/neuronpedia-rest.md lists them); fields of the atlas that
// Neuronpedia lacks are under `atlas`.
import type { Context } from '../context.js';
import type { ExampleRow, ExplanationRow } from '../services/features/featureBatches.js';
import type { FeatureRow } from '../services/features/featureRow.js';
import type { NeuronpediaSource } from './neuronpediaSource.js';
import { RestError } from './restError.js';

/** The typeName (and authorId) of the explanation made from a feature's label (auto-labelling, associations). */
export const LABEL_EXPLANATION_TYPE = 'atlas-label';

export interface NeuronpediaExplanation {
  id: string;
  modelId: string;
  layer: string;
  index: string;
  description: string;
  authorId: string;
  typeName: string;
  explanationModelName: null;
  scoreV1: number;
  scoreV2: number | null;
  scores: never[];
  createdAt: string | null;
}

export interface NeuronpediaActivation {
  id: string;
  modelId: string;
  layer: string;
  index: string;
  tokens: string[];
  values: number[];
  maxValue: number;
  maxValueTokenIndex: number;
  minValue: number;
  dataIndex: string;
  dataSource: null;
  binMin: null;
  binMax: null;
  binContains: null;
  qualifyingTokenIndex: null;
  /** Which of the atlas's example sets this window is from: the top activations, or a quantile bin's sample. */
  exampleKind: 'top' | 'quantile';
  exampleBin: number;
}

/** The explanations a client reads: the stored ones (newest first), then the feature's label, if it has one. */
export function explanationsOf(
  source: NeuronpediaSource,
  row: FeatureRow,
  stored: ExplanationRow[],
): NeuronpediaExplanation[] {
  const base = { modelId: source.modelId, layer: source.layer, index: String(row.index) };
  const out: NeuronpediaExplanation[] = stored.map((e) => ({
    id: String(e.id),
    ...base,
    description: e.text,
    authorId: e.author ?? e.source,
    typeName: e.source,
    explanationModelName: null,
    scoreV1: e.score ?? 0,
    scoreV2: e.score,
    scores: [],
    createdAt: e.createdAt.toISOString(),
  }));
  if (row.label)
    out.push({
      id: `label:${row.id}`,
      ...base,
      description: row.label,
      authorId: LABEL_EXPLANATION_TYPE,
      typeName: LABEL_EXPLANATION_TYPE,
      explanationModelName: null,
      scoreV1: row.labelScore ?? 0,
      scoreV2: row.labelScore,
      scores: [],
      createdAt: null,
    });
  return out;
}

function activationOf(source: NeuronpediaSource, e: ExampleRow): NeuronpediaActivation {
  return {
    id: `${e.dictionaryId}:${e.featureIndex}:${e.kind}:${e.bin}:${e.rank}`,
    modelId: source.modelId,
    layer: source.layer,
    index: String(e.featureIndex),
    tokens: e.tokens,
    values: e.activations,
    maxValue: e.maxActivation,
    maxValueTokenIndex: e.maxPosition,
    minValue: e.activations.length ? Math.min(...e.activations) : 0,
    dataIndex: String(e.docIndex),
    dataSource: null,
    binMin: null,
    binMax: null,
    binContains: null,
    qualifyingTokenIndex: null,
    exampleKind: e.kind,
    exampleBin: e.bin,
  };
}

/** Neuronpedia's per-feature fields from a feature row (no examples). */
function neuronFields(source: NeuronpediaSource, row: FeatureRow) {
  const hist = row.histogram;
  const positive = row.logits?.positive ?? [];
  const negative = row.logits?.negative ?? [];
  return {
    modelId: source.modelId,
    layer: source.layer,
    index: String(row.index),
    sourceSetName: null,
    creatorId: null,
    createdAt: null,
    maxActApprox: row.maxActivation,
    hasVector: false,
    vector: [],
    vectorLabel: null,
    vectorDefaultSteerStrength: null,
    hookName: source.dictionary.hookPoint,
    topkCosSimIndices: (row.neighbors ?? []).map((n) => n.index),
    topkCosSimValues: (row.neighbors ?? []).map((n) => n.cosine),
    pos_str: positive.map((l) => l.token),
    pos_values: positive.map((l) => l.value),
    neg_str: negative.map((l) => l.token),
    neg_values: negative.map((l) => l.value),
    frac_nonzero: row.density,
    // Neuronpedia's bars are (activation value, count); the atlas stores bin edges, so a bar stands at its bin's middle.
    freq_hist_data_bar_heights: hist ? hist.counts : [],
    freq_hist_data_bar_values: hist ? hist.counts.map((_, i) => (hist.edges[i] + hist.edges[i + 1]) / 2) : [],
    logits_hist_data_bar_heights: [],
    logits_hist_data_bar_values: [],
    decoder_weights_dist: [],
    umap_cluster: null,
    umap_log_feature_sparsity: row.density != null && row.density > 0 ? Math.log10(row.density) : null,
    umap_x: row.mapX,
    umap_y: row.mapY,
    atlas: {
      featureId: row.id,
      dictionaryId: String(source.dictionary.id),
      label: row.label,
      meanActivation: row.meanActivation,
    },
  };
}

export type NeuronpediaNeuron = ReturnType<typeof neuronFields> & {
  explanations: NeuronpediaExplanation[];
  activations: NeuronpediaActivation[];
};

/** The feature's stored row or 404 (an index in range whose dictionary has not been analysed has none). */
export async function requireFeatureRow(ctx: Context, source: NeuronpediaSource, index: number): Promise<FeatureRow> {
  const row = await ctx.loaders.feature.load({ dictionaryId: source.dictionary.id, index });
  if (!row)
    throw new RestError(
      404,
      `feature ${index} of source "${source.layer}" (model "${source.modelId}") has no stored analysis; analyse the dictionary first (npm run worker -- analyse).`,
    );
  return row;
}

/**
 * The feature as Neuronpedia answers it; `examples` false leaves `activations` empty (search results carry the
 * feature without its examples, as Neuronpedia's do).
 */
export async function neuronOf(
  ctx: Context,
  source: NeuronpediaSource,
  row: FeatureRow,
  examples: boolean,
): Promise<NeuronpediaNeuron> {
  const key = { dictionaryId: source.dictionary.id, index: row.index };
  const [stored, top, quantile] = await Promise.all([
    ctx.loaders.explanations.load(key),
    examples ? ctx.loaders.topExamples.load(key) : [],
    examples ? ctx.loaders.quantileExamples.load(key) : [],
  ]);
  return {
    ...neuronFields(source, row),
    explanations: explanationsOf(source, row, stored),
    activations: [...top, ...quantile].map((e) => activationOf(source, e)),
  };
}
