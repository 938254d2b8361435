// The shapes circuits share: a transcoder set's weights (what attribution reads) and an attribution graph
// (what attribution writes, storage keeps, the API serves and Neuronpedia's graph JSON carries).

/**
 * One layer's transcoder: reads the MLP's input (`blocks.{layer}.ln2.hook_normalized`, the LayerNorm output)
 * and predicts its output (`blocks.{layer}.hook_mlp_out`). SAELens's Transcoder layout, row-major:
 * hidden = x·W_enc + b_enc (no input centring); codes = TopK_k(hidden) then ReLU; out = codes·W_dec + b_dec
 * (+ x·W_skipᵀ when a skip term is present).
 */
export interface TranscoderWeights {
  layer: number;
  dIn: number;
  dOut: number;
  dSae: number;
  k: number;
  /** W_encᵀ: [dSae, dIn] (rows are features, like the engine's SaeParams.wEncT). */
  wEncT: Float32Array;
  /** [dSae] */
  bEnc: Float32Array;
  /** [dSae, dOut] */
  wDec: Float32Array;
  /** [dOut] */
  bDec: Float32Array;
  /** [dOut, dIn], optional linear skip term. */
  wSkip?: Float32Array;
}

/** One transcoder per layer, in layer order, for one model. */
export interface TranscoderSet {
  /** Model name as the atlas knows it (e.g. `tiny-brown-4l`). */
  modelId: string;
  layers: TranscoderWeights[];
}

export type GraphNodeKind = 'embedding' | 'feature' | 'error' | 'logit';

/**
 * A node. `layer`: the transcoder layer for features and errors, -1 for embeddings, nLayer for logits.
 * `position`: the token position. Ids follow Neuronpedia's `node_id` conventions (see formats/).
 */
export interface GraphNode {
  nodeId: string;
  kind: GraphNodeKind;
  layer: number;
  position: number;
  /** Feature index within its layer's transcoder (features only). */
  featureIndex?: number;
  /** Input token (embeddings) or output token (logits). */
  tokenId?: number;
  /** The feature's activation (features), the logit's probability is `probability`. */
  activation?: number;
  /** Logits only: the model's probability of this token at the last position. */
  probability?: number;
  /**
   * Neuronpedia's `influence`: the cumulative share of total logit influence held by the nodes at least as
   * influential as this one (0..1; a pruning slider at t keeps nodes with influence ≤ t).
   */
  influence: number;
}

/** A direct effect: `weight` = the change in the target's value per its source at the source's value. */
export interface GraphEdge {
  source: string;
  target: string;
  weight: number;
}

/** Parameters a graph was built with (Neuronpedia's `qParams`/`metadata` hold the same). */
export interface GraphParams {
  /** Keep the nodes holding this share of logit influence (circuit-tracer: 0.8). */
  nodeThreshold: number;
  /** Keep the edges holding this share of edge influence (circuit-tracer: 0.98). */
  edgeThreshold: number;
  /** Most feature nodes whose incoming edges are computed, in order of influence. */
  maxFeatureNodes: number;
  /** Logits kept: most probable tokens until this cumulative probability, at most `maxLogits`. */
  logitProbability: number;
  maxLogits: number;
}

export const DEFAULT_GRAPH_PARAMS: GraphParams = {
  nodeThreshold: 0.8,
  edgeThreshold: 0.98,
  maxFeatureNodes: 4096,
  logitProbability: 0.95,
  maxLogits: 10,
};

/** A pruned attribution graph for one prompt. */
export interface AttributionGraph {
  modelId: string;
  prompt: string;
  /** Token ids and their text, by position. */
  tokens: { id: number; text: string }[];
  params: GraphParams;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /**
   * Sizes before pruning, how long the build took and circuit-tracer's replacement and completeness scores of the
   * unpruned graph (influence.ts `graphScores`; absent on an imported graph that does not carry them).
   */
  stats: {
    nodesBeforePruning: number;
    edgesBeforePruning: number;
    seconds: number;
    replacementScore?: number;
    completenessScore?: number;
  };
}

/** One line on a built graph, as the CLI and the graph job print it. */
export function graphSummaryLine(graph: AttributionGraph, modelName: string, seconds = graph.stats.seconds): string {
  const { nodesBeforePruning, edgesBeforePruning, replacementScore, completenessScore } = graph.stats;
  const scores =
    replacementScore === undefined || completenessScore === undefined
      ? ''
      : `; replacement score ${replacementScore.toFixed(3)}, completeness ${completenessScore.toFixed(3)}`;
  return `graph of "${graph.prompt.slice(0, 80)}" on ${modelName}: ${graph.nodes.length} nodes, ${graph.edges.length} edges (of ${nodesBeforePruning} and ${edgesBeforePruning}) in ${seconds.toFixed(1)} s${scores}`;
}
