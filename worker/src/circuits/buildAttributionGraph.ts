// The attribution graph of a prompt (issue 18): the replacement model's run, the logit nodes, the incoming edges of
// the logits and then of the features in circuit-tracer's order (by estimated influence when not all fit in
// maxFeatureNodes), pruning by influence, and the nodes and edges with Neuronpedia's ids.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AtlasError } from '../errors.js';
import type { LoadedModel } from '../transformer/modelFolder.js';
import {
  DEFAULT_GRAPH_PARAMS,
  type AttributionGraph,
  type GraphEdge,
  type GraphNode,
  type GraphParams,
  type TranscoderSet,
} from './attributionGraph.js';
import { attributeBatch, attributionContext, type AttributionTarget, type SourceLayout } from './attribution.js';
import { EdgeRows } from './edgeRows.js';
import { embeddingNodeId, errorNodeId, featureNodeId, logitNodeId } from './graphNodeIds.js';
import {
  graphScores,
  normalizedAbsWeights,
  propagateInfluence,
  pruneGraph,
  type NodeBlocks,
  type PruneResult,
} from './influence.js';
import {
  hostModel,
  hostTranscoders,
  runReplacementModel,
  unembedRow,
  type HostModel,
  type HostTranscoder,
  replacementForward,
  type ReplacementRun,
  type ReplacementSources,
} from './replacementModel.js';

/** Targets per backward pass: enough rows to keep the weight loads shared, small enough to stay in cache. */
const BATCH = 64;
/** Features attributed between two re-rankings by influence (circuit-tracer: update_interval 4 × batch 512). */
const RANKING_INTERVAL = 2048;

/** An attribution graph before pruning: rows of incoming edges over node indices in circuit-tracer's order. */
export interface UnprunedGraph {
  run: ReplacementRun;
  /** Node indices of the run before feature selection (attribution.ts). */
  layout: SourceLayout;
  /** Indices (into the run's features, layer by layer) of the features that are nodes, ascending. */
  selectedFeatures: Int32Array;
  /** Nodes: selected features, errors (layer · n + position), embeddings, logits. */
  blocks: NodeBlocks;
  /** Incoming edges of the selected features and the logits, over node indices. */
  rows: EdgeRows;
  logitTokens: number[];
  logitProbabilities: number[];
  /** [nLogits, d]: each logit's unembedding row minus the mean row (its value is read · ln_f output). */
  logitReads: Float64Array[];
}

/**
 * Every target's value from a forward pass with `sources` (feature pre-activations in run order, then the demeaned
 * logits): what edges are checked against (completeness with zeroed sources, ablation with one source removed).
 */
export function targetValues(
  model: HostModel,
  transcoders: HostTranscoder[],
  g: UnprunedGraph,
  sources: ReplacementSources,
  o: { frozen?: boolean } = {},
): Float64Array {
  const out = replacementForward(model, transcoders, g.run, sources, o);
  const d = model.config.dModel;
  const last = (g.run.tokens.length - 1) * d;
  const values: number[] = [];
  out.preActivations.forEach((p) => values.push(...p));
  for (const read of g.logitReads) {
    let v = 0;
    for (let i = 0; i < d; i++) v += read[i] * out.final[last + i];
    values.push(v);
  }
  return Float64Array.from(values);
}

function checkParams(p: GraphParams): void {
  const bad = (field: string, v: number, want: string) =>
    new AtlasError('ARGUMENT_INVALID', `graph params: ${field} ${v} is not ${want}`);
  if (!(p.logitProbability > 0 && p.logitProbability <= 1))
    throw bad('logitProbability', p.logitProbability, 'in (0, 1]; use e.g. 0.95');
  if (!Number.isInteger(p.maxLogits) || p.maxLogits < 1)
    throw bad('maxLogits', p.maxLogits, 'an integer >= 1; use e.g. 10');
  if (!Number.isInteger(p.maxFeatureNodes) || p.maxFeatureNodes < 0)
    throw bad('maxFeatureNodes', p.maxFeatureNodes, 'an integer >= 0; use e.g. 4096');
}

/** The most probable next tokens at the last position until `logitProbability` of mass, at most `maxLogits`. */
export function salientLogits(logits: Float64Array, p: Pick<GraphParams, 'logitProbability' | 'maxLogits'>) {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  const probs = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) sum += probs[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < probs.length; i++) probs[i] /= sum;
  const order = Array.from(probs.keys())
    .sort((a, b) => probs[b] - probs[a] || a - b)
    .slice(0, p.maxLogits);
  const tokens: number[] = [];
  const probabilities: number[] = [];
  let cum = 0;
  for (const t of order) {
    tokens.push(t);
    probabilities.push(probs[t]);
    if ((cum += probs[t]) >= p.logitProbability) break;
  }
  return { tokens, probabilities };
}

/**
 * Attribute a token sequence: all edges into the logits, then into up to maxFeatureNodes features (all of them
 * when they fit, else in rounds ranked by their influence on the logits through the rows computed so far).
 */
export async function attributeTokens(
  model: HostModel,
  transcoders: HostTranscoder[],
  tokens: readonly number[],
  params: GraphParams = DEFAULT_GRAPH_PARAMS,
  onProgress?: (done: number, total: number) => void,
): Promise<UnprunedGraph> {
  checkParams(params);
  const c = model.config;
  const d = c.dModel;
  const run = runReplacementModel(model, transcoders, tokens);
  const n = run.tokens.length;
  const ctx = await attributionContext(model, transcoders, run);
  const { layout } = ctx;

  const { tokens: logitTokens, probabilities: logitProbabilities } = salientLogits(
    unembedRow(model, run.final.subarray((n - 1) * d, n * d)),
    params,
  );
  const meanRow = new Float64Array(d);
  for (let v = 0; v < c.vocabSize; v++) for (let i = 0; i < d; i++) meanRow[i] += model.unembed[v * d + i];
  for (let i = 0; i < d; i++) meanRow[i] /= c.vocabSize;
  const logitReads = logitTokens.map((t) => Float64Array.from(meanRow, (m, i) => model.unembed[t * d + i] - m));

  const maxFeatures = Math.min(params.maxFeatureNodes, layout.nFeatures);
  const total = logitTokens.length + maxFeatures;
  // Room for a quarter of each row (causality leaves about a fifth nonzero) so the edge arrays rarely grow.
  const rows = new EdgeRows(((maxFeatures + logitTokens.length) * layout.nSources) / 4);
  await attributeBatch(
    ctx,
    logitTokens.map((_, i) => ({ node: layout.nSources + i, layer: c.nLayer, position: n - 1, read: logitReads[i] })),
    rows,
  );
  onProgress?.(logitTokens.length, total);

  const featureLayer = new Int32Array(layout.nFeatures);
  for (let l = 0; l < c.nLayer; l++) featureLayer.fill(l, layout.featureStart[l], layout.featureStart[l + 1]);
  const featureTarget = (f: number): AttributionTarget => {
    const l = featureLayer[f];
    const j = f - layout.featureStart[l];
    const index = run.features[l].indices[j];
    return {
      node: f,
      layer: l,
      position: run.features[l].positions[j],
      read: transcoders[l].wEncT.subarray(index * d, (index + 1) * d),
    };
  };
  const visited = new Uint8Array(layout.nFeatures);
  let done = 0;
  const logitWeights = new Float64Array(layout.nSources + logitTokens.length);
  logitProbabilities.forEach((p, i) => (logitWeights[layout.nSources + i] = p));
  while (done < maxFeatures) {
    let queue: number[];
    if (maxFeatures === layout.nFeatures) queue = Array.from(visited.keys());
    else {
      const influence = propagateInfluence(rows, normalizedAbsWeights(rows), logitWeights);
      queue = Array.from(visited.keys())
        .filter((f) => !visited[f])
        .sort((a, b) => influence[b] - influence[a] || a - b)
        .slice(0, Math.min(RANKING_INTERVAL, maxFeatures - done));
    }
    // Within a round the order does not change the result; node order groups a batch by layer and position.
    queue.sort((a, b) => a - b);
    for (let i = 0; i < queue.length; i += BATCH) {
      const batch = queue.slice(i, i + BATCH);
      await attributeBatch(ctx, batch.map(featureTarget), rows);
      for (const f of batch) visited[f] = 1;
      done += batch.length;
      onProgress?.(logitTokens.length + done, total);
      await nextTurn();
    }
  }
  return {
    ...selectFeatures(rows, layout, visited, logitTokens.length),
    run,
    layout,
    logitTokens,
    logitProbabilities,
    logitReads,
  };
}

/** Rows over graph node indices: only the attributed features remain nodes (as circuit-tracer drops the rest). */
function selectFeatures(full: EdgeRows, layout: SourceLayout, visited: Uint8Array, nLogits: number) {
  const newIndex = new Int32Array(layout.nSources + nLogits).fill(-1);
  const selected: number[] = [];
  for (let f = 0; f < layout.nFeatures; f++) if (visited[f]) newIndex[f] = selected.push(f) - 1;
  const shift = layout.nFeatures - selected.length;
  for (let i = layout.nFeatures; i < newIndex.length; i++) newIndex[i] = i - shift;
  const nLayer = layout.featureStart.length - 1;
  const nErrors = layout.embeddingStart - layout.errorStart;
  const blocks = { nFeatures: selected.length, nErrors, nEmbeddings: nErrors / nLayer, nLogits };
  if (shift === 0) return { selectedFeatures: Int32Array.from(selected), rows: full, blocks };
  const rows = new EdgeRows(full.size);
  const { cols, weights, starts, targets } = full;
  // Rows in node order: features, then logits.
  const order = Array.from(targets.keys()).sort((a, b) => targets[a] - targets[b]);
  for (const r of order) {
    const c: number[] = [];
    const w: number[] = [];
    for (let e = starts[r]; e < starts[r + 1]; e++)
      if (newIndex[cols[e]] >= 0) {
        c.push(newIndex[cols[e]]);
        w.push(weights[e]);
      }
    rows.appendSparse(newIndex[targets[r]], c, w);
  }
  return { selectedFeatures: Int32Array.from(selected), rows, blocks };
}

/** The graph's nodes and edges: what pruning kept, with Neuronpedia's ids, edges only between kept nodes. */
export function prunedNodesAndEdges(
  g: UnprunedGraph,
  pruned: PruneResult,
  nLayer: number,
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const { run, layout, blocks } = g;
  const n = run.tokens.length;
  const featureAt = (i: number) => {
    const f = g.selectedFeatures[i];
    let l = 0;
    while (layout.featureStart[l + 1] <= f) l++;
    const j = f - layout.featureStart[l];
    return {
      layer: l,
      position: run.features[l].positions[j],
      index: run.features[l].indices[j],
      activation: run.features[l].activations[j],
    };
  };
  const layer0Features = new Set<string>();
  for (let i = 0; i < blocks.nFeatures; i++) {
    const f = featureAt(i);
    if (f.layer === 0) layer0Features.add(featureNodeId(0, f.index, f.position));
  }
  const nodeOf = (i: number): GraphNode => {
    const influence = pruned.cumulativeInfluence[i];
    if (i < blocks.nFeatures) {
      const f = featureAt(i);
      return {
        nodeId: featureNodeId(f.layer, f.index, f.position),
        kind: 'feature',
        layer: f.layer,
        position: f.position,
        featureIndex: f.index,
        activation: f.activation,
        influence,
      };
    }
    let k = i - blocks.nFeatures;
    if (k < blocks.nErrors) {
      const layer = Math.floor(k / n);
      const position = k % n;
      const id = errorNodeId(layer, position, layer0Features.has(featureNodeId(0, layer, position)));
      return { nodeId: id, kind: 'error', layer, position, influence };
    }
    k -= blocks.nErrors;
    if (k < blocks.nEmbeddings) {
      const tokenId = run.tokens[k];
      return { nodeId: embeddingNodeId(tokenId, k), kind: 'embedding', layer: -1, position: k, tokenId, influence };
    }
    k -= blocks.nEmbeddings;
    const tokenId = g.logitTokens[k];
    // circuit-tracer gives logits no influence; 0 keeps them at every pruning-slider setting.
    return {
      nodeId: logitNodeId(nLayer, tokenId, n - 1),
      kind: 'logit',
      layer: nLayer,
      position: n - 1,
      tokenId,
      probability: g.logitProbabilities[k],
      influence: 0,
    };
  };
  const kept = new Map<number, GraphNode>();
  pruned.nodeMask.forEach((m, i) => m && kept.set(i, nodeOf(i)));
  const edges: GraphEdge[] = [];
  const connected = new Set<number>();
  const { cols, weights, starts, targets } = g.rows;
  for (let r = 0; r < targets.length; r++) {
    const target = kept.get(targets[r]);
    if (!target) continue;
    for (let e = starts[r]; e < starts[r + 1]; e++) {
      const source = kept.get(cols[e]);
      if (!pruned.edgeMask[e] || !source) continue;
      edges.push({ source: source.nodeId, target: target.nodeId, weight: weights[e] });
      connected.add(cols[e]).add(targets[r]);
    }
  }
  const nodes = [...kept]
    .filter(([i, node]) => connected.has(i) || node.kind === 'embedding' || node.kind === 'logit')
    .map(([, node]) => node);
  return { nodes, edges };
}

const hostModels = new WeakMap<LoadedModel, HostModel>();

/**
 * The pruned attribution graph of `prompt` (BOS prepended when the model has one, as its windows start) for a
 * model and one transcoder per layer. CPU, Float64; see replacementModel.ts and attribution.ts.
 */
export async function buildAttributionGraph(
  model: LoadedModel,
  transcoders: TranscoderSet,
  prompt: string,
  params: GraphParams = DEFAULT_GRAPH_PARAMS,
  onProgress?: (done: number, total: number) => void,
): Promise<AttributionGraph> {
  const ids = Array.from(model.tokenizer.encode(prompt).ids);
  const tokens = model.bosId === undefined ? ids : [model.bosId, ...ids];
  if (tokens.length > model.config.nPositions)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `prompt: ${tokens.length} tokens${model.bosId === undefined ? '' : ' with BOS'} but ${model.name} reads at most ${model.config.nPositions}; shorten the prompt`,
    );
  if (ids.length === 0)
    throw new AtlasError('ARGUMENT_INVALID', 'prompt: empty; give the text whose next token to explain');
  let host = hostModels.get(model);
  if (!host) hostModels.set(model, (host = hostModel(model)));
  const built = await buildAttributionGraphFromTokens(
    host,
    hostTranscoders(transcoders, host.config),
    tokens,
    params,
    onProgress,
  );
  const { unpruned, pruned, ...graph } = built;
  void unpruned;
  void pruned;
  return {
    ...graph,
    modelId: transcoders.modelId,
    prompt,
    tokens: tokens.map((id) => ({ id, text: model.tokenizer.tokenText(id) })),
  };
}

/** The graph of a token sequence, without the text fields (modelId, prompt, token texts) the caller fills in. */
export async function buildAttributionGraphFromTokens(
  model: HostModel,
  transcoders: HostTranscoder[],
  tokens: readonly number[],
  params: GraphParams = DEFAULT_GRAPH_PARAMS,
  onProgress?: (done: number, total: number) => void,
): Promise<AttributionGraph & { unpruned: UnprunedGraph; pruned: PruneResult }> {
  const t0 = performance.now();
  const unpruned = await attributeTokens(model, transcoders, tokens, params, onProgress);
  const pruned = pruneGraph(
    unpruned.rows,
    unpruned.blocks,
    unpruned.logitProbabilities,
    params.nodeThreshold,
    params.edgeThreshold,
  );
  const { nodes, edges } = prunedNodesAndEdges(unpruned, pruned, model.config.nLayer);
  const b = unpruned.blocks;
  const scores = graphScores(unpruned.rows, b, unpruned.logitProbabilities, pruned.nodeInfluence);
  return {
    modelId: '',
    prompt: '',
    tokens: tokens.map((id) => ({ id, text: '' })),
    params,
    nodes,
    edges,
    stats: {
      nodesBeforePruning: b.nFeatures + b.nErrors + b.nEmbeddings + b.nLogits,
      edgesBeforePruning: unpruned.rows.size,
      seconds: (performance.now() - t0) / 1000,
      replacementScore: scores.replacement,
      completenessScore: scores.completeness,
    },
    unpruned,
    pruned,
  };
}
