// A feature of the atlas in the shape of Neuronpedia's `GET /api/feature/{modelId}/{layer}/{index}` answer (its
// Neuron row with activations and explanations), read through the same loaders as GraphQL's `feature`. Fields the
// atlas has no value for are null or empty lists (docs/neuronpedia-rest.md lists them); fields of the atlas that
// Neuronpedia lacks are under `atlas`.
import {
  activationFromExample,
  DEFAULT_NP_CREATOR_ID,
  explanationRecordFromRow,
  neuronFromFeature,
  quantileBinBounds,
  type ExampleLine,
  type NeuronpediaNames,
  type StoreFeatureRow,
} from '@atlas/worker/neuronpedia/format';
import type { Context } from '../context.js';
import type { ExampleRow, ExplanationRow } from '../services/features/featureBatches.js';
import type { FeatureRow } from '../services/features/featureRow.js';
import type { NeuronpediaSource } from './neuronpediaSource.js';
import { RestError } from './restError.js';

/** The typeName (and authorId) of the explanation made from a feature's label (auto-labelling, associations). */
export const LABEL_EXPLANATION_TYPE = 'atlas-label';

/** The names the worker's Neuronpedia records are written under: the facade's modelId and source id. */
function namesOf(source: NeuronpediaSource): NeuronpediaNames {
  return { modelId: source.modelId, sourceId: source.layer };
}

// The api's loader rows as the worker's store rows, so a feature is written in Neuronpedia's shapes by the same
// functions as `export --format neuronpedia` (@atlas/worker/neuronpedia/format): one mapping, two ways out.
const asStoreFeature = (r: FeatureRow): StoreFeatureRow => ({
  index: r.index,
  decoder: null,
  density: r.density,
  mean_activation: r.meanActivation,
  max_activation: r.maxActivation,
  histogram: r.histogram,
  label: r.label,
  label_scores: r.labelScores,
  logits: r.logits,
  map_x: r.mapX,
  map_y: r.mapY,
  neighbors: r.neighbors,
});
const asStoreExample = (e: ExampleRow): ExampleLine => ({
  feature_index: e.featureIndex,
  kind: e.kind,
  bin: e.bin,
  rank: e.rank,
  max_activation: e.maxActivation,
  doc_index: e.docIndex,
  token_start: e.tokenStart,
  max_position: e.maxPosition,
  tokens: e.tokens,
  activations: e.activations,
});

export type NeuronpediaExplanation = Omit<ReturnType<typeof explanationRecordFromRow>, 'createdAt'> & {
  createdAt: string | null;
  scoreV1: number;
  scores: never[];
};

/** The explanations a client reads: the stored ones (newest first), then the feature's label, if it has one. */
export function explanationsOf(
  source: NeuronpediaSource,
  row: FeatureRow,
  stored: ExplanationRow[],
): NeuronpediaExplanation[] {
  const names = namesOf(source);
  const out: NeuronpediaExplanation[] = stored.map((e) => ({
    ...explanationRecordFromRow(
      {
        feature_index: e.featureIndex,
        text: e.text,
        source: e.source,
        score: e.score,
        author: e.author,
        created_at: e.createdAt.toISOString(),
      },
      names,
      String(e.id),
      DEFAULT_NP_CREATOR_ID,
    ),
    scoreV1: e.score ?? 0,
    scores: [],
  }));
  if (row.label)
    out.push({
      id: `label:${row.id}`,
      modelId: names.modelId,
      layer: names.sourceId,
      index: String(row.index),
      authorId: LABEL_EXPLANATION_TYPE,
      description: row.label,
      embedding: null,
      typeName: LABEL_EXPLANATION_TYPE,
      explanationModelName: null,
      scoreV1: row.labelScore ?? 0,
      scoreV2: row.labelScore,
      scores: [],
      createdAt: null,
    });
  return out;
}

/** A feature's examples as Activation rows: top windows, then each quantile bin's sample (with the bin's bounds). */
function activationsOf(source: NeuronpediaSource, examples: ExampleRow[]) {
  const lines = examples.map(asStoreExample);
  const bins = quantileBinBounds(lines);
  return lines.map((e) => ({
    ...activationFromExample(
      e,
      namesOf(source),
      DEFAULT_NP_CREATOR_ID,
      e.kind === 'quantile' ? bins.get(e.bin)! : null,
    ),
    qualifyingTokenIndex: null,
    /** Which of the atlas's example sets this window is from: the top activations, or a quantile bin's sample. */
    exampleKind: e.kind,
    exampleBin: e.bin,
  }));
}

/** Neuronpedia's per-feature fields from a feature row (no examples). */
function neuronFields(source: NeuronpediaSource, row: FeatureRow) {
  return {
    ...neuronFromFeature(asStoreFeature(row), namesOf(source), source.dictionary.hookPoint, DEFAULT_NP_CREATOR_ID),
    // A client may tell "not measured" from 0 here (an export must write 0: Neuronpedia's column is NOT NULL).
    frac_nonzero: row.density,
    createdAt: null,
    umap_cluster: null,
    umap_log_feature_sparsity: row.density != null && row.density > 0 ? Math.log10(row.density) : null,
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
  activations: ReturnType<typeof activationsOf>;
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
    activations: activationsOf(source, [...top, ...quantile]),
  };
}
