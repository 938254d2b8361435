// Influence on the logits and pruning, as circuit-tracer's graph.py computes them: the adjacency matrix's absolute
// values normalised per target row (Â), a node's influence = logit probabilities · (Â + Â² + ...) (the graph is
// acyclic, so the series ends), nodes kept while they hold `nodeThreshold` of the total, edges scored by Â times
// their target's influence (plus its logit weight) and kept while they hold `edgeThreshold` of the total.
import { AtlasError } from '../errors.js';
import type { EdgeRows } from './edgeRows.js';

/** |w| / Σ|w| over each row (rows summing to 0 stay 0; circuit-tracer clamps the sum at 1e-10). */
export function normalizedAbsWeights(rows: EdgeRows, keep?: (source: number, target: number) => boolean): Float64Array {
  const { cols, weights, starts, targets } = rows;
  const out = new Float64Array(weights.length);
  for (let r = 0; r < targets.length; r++) {
    let sum = 0;
    for (let e = starts[r]; e < starts[r + 1]; e++)
      if (!keep || keep(cols[e], targets[r])) sum += out[e] = Math.abs(weights[e]);
    const inv = 1 / Math.max(sum, 1e-10);
    for (let e = starts[r]; e < starts[r + 1]; e++) out[e] *= inv;
  }
  return out;
}

/** x · (Â + Â² + ...) for x over nodes, with Â given by rows' structure and `normalized` weights. */
export function propagateInfluence(rows: EdgeRows, normalized: Float64Array, x: Float64Array, maxIterations = 1000) {
  const { cols, starts, targets } = rows;
  const total = new Float64Array(x.length);
  let current = x;
  for (let it = 0; ; it++) {
    const next = new Float64Array(x.length);
    let any = false;
    for (let r = 0; r < targets.length; r++) {
      const v = current[targets[r]];
      if (v === 0) continue;
      for (let e = starts[r]; e < starts[r + 1]; e++) next[cols[e]] += v * normalized[e];
    }
    for (let i = 0; i < next.length; i++)
      if (next[i] !== 0) {
        total[i] += next[i];
        any = true;
      }
    if (!any) return total;
    if (it >= maxIterations)
      throw new AtlasError(
        'TASK_FAILED',
        `influence did not converge after ${maxIterations} steps; the graph has a cycle`,
      );
    current = next;
  }
}

/**
 * circuit-tracer's two graph scores, on the unpruned graph: the replacement score, the share of the influence on the
 * logits that reaches the input tokens rather than stopping at reconstruction errors (tokens / (tokens + errors));
 * the completeness score, the share of each node's incoming |weights| not from errors, averaged with the weights
 * influence + logit probability. 1 and 1 when the transcoders explain everything; low values say the graph's story
 * runs through what the transcoders miss. `influence`: pruneGraph's nodeInfluence (the same influence on the
 * unpruned graph, so it is not propagated twice).
 */
export function graphScores(
  rows: EdgeRows,
  blocks: NodeBlocks,
  logitProbabilities: ArrayLike<number>,
  influence: Float64Array,
): { replacement: number; completeness: number } {
  const nNodes = blocks.nFeatures + blocks.nErrors + blocks.nEmbeddings + blocks.nLogits;
  const errorStart = blocks.nFeatures;
  const errorEnd = errorStart + blocks.nErrors;
  const embeddingEnd = errorEnd + blocks.nEmbeddings;
  const logitWeights = new Float64Array(nNodes);
  for (let i = 0; i < blocks.nLogits; i++) logitWeights[embeddingEnd + i] = logitProbabilities[i];
  const normalized = normalizedAbsWeights(rows);
  let tokens = 0;
  let errors = 0;
  for (let i = errorStart; i < errorEnd; i++) errors += influence[i];
  for (let i = errorEnd; i < embeddingEnd; i++) tokens += influence[i];
  // A node without a row (embeddings, errors) takes nothing from errors.
  const fromErrors = new Float64Array(nNodes);
  const { cols, starts, targets } = rows;
  for (let r = 0; r < targets.length; r++)
    for (let e = starts[r]; e < starts[r + 1]; e++)
      if (cols[e] >= errorStart && cols[e] < errorEnd) fromErrors[targets[r]] += normalized[e];
  let weighted = 0;
  let total = 0;
  for (let i = 0; i < nNodes; i++) {
    const w = influence[i] + logitWeights[i];
    weighted += (1 - fromErrors[i]) * w;
    total += w;
  }
  return {
    replacement: tokens + errors > 0 ? tokens / (tokens + errors) : 1,
    completeness: total > 0 ? weighted / total : 1,
  };
}

/** The score at which the scores sorted descending first reach `threshold` of their sum (keep scores >= it). */
export function thresholdScore(scores: ArrayLike<number>, threshold: number): number {
  const sorted = Float64Array.from(scores).sort().reverse();
  let total = 0;
  for (const s of sorted) total += s;
  if (sorted.length === 0) return Infinity;
  if (!(total > 0)) return sorted[0];
  let cum = 0;
  for (let i = 0; i < sorted.length; i++) {
    cum += sorted[i];
    if (cum / total >= threshold) return sorted[i];
  }
  return sorted[sorted.length - 1];
}

/** A graph's node partition, in circuit-tracer's order: features, errors, embeddings, logits. */
export interface NodeBlocks {
  nFeatures: number;
  nErrors: number;
  nEmbeddings: number;
  nLogits: number;
}

export interface PruneResult {
  /** Per node: kept. */
  nodeMask: Uint8Array;
  /** Per edge of `rows`: kept. */
  edgeMask: Uint8Array;
  /** Per node: influence on the logits in the unpruned graph. */
  nodeInfluence: Float64Array;
  /** Per node: the share of total influence held by nodes at least as influential (Neuronpedia's `influence`). */
  cumulativeInfluence: Float64Array;
  /** Nodes that passed the influence threshold (before the removal of nodes left without edges). */
  influentialNodes: Uint8Array;
  /** Per edge: its influence score in the node-pruned graph. */
  edgeScores: Float64Array;
  /** Edges that passed the edge-influence threshold (before the removal of nodes left without edges). */
  influentialEdges: Uint8Array;
}

/**
 * Prune as circuit-tracer's prune_graph: nodes by influence (embeddings and logits always kept), then edges by
 * edge influence in the node-pruned graph, then, until nothing changes, features and errors without kept outgoing
 * edges and features without kept incoming edges.
 */
export function pruneGraph(
  rows: EdgeRows,
  blocks: NodeBlocks,
  logitProbabilities: ArrayLike<number>,
  nodeThreshold: number,
  edgeThreshold: number,
): PruneResult {
  for (const [name, v] of [
    ['nodeThreshold', nodeThreshold],
    ['edgeThreshold', edgeThreshold],
  ] as const)
    if (!(v >= 0 && v <= 1))
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${name} ${v} is not between 0 and 1; pass a share of influence such as 0.8`,
      );
  const nNodes = blocks.nFeatures + blocks.nErrors + blocks.nEmbeddings + blocks.nLogits;
  const logitStart = nNodes - blocks.nLogits;
  const alwaysKept = logitStart - blocks.nEmbeddings;
  const logitWeights = new Float64Array(nNodes);
  for (let i = 0; i < blocks.nLogits; i++) logitWeights[logitStart + i] = logitProbabilities[i];

  const nodeInfluence = propagateInfluence(rows, normalizedAbsWeights(rows), logitWeights);
  const nodeCut = thresholdScore(nodeInfluence, nodeThreshold);
  const nodeMask = new Uint8Array(nNodes);
  for (let i = 0; i < nNodes; i++) nodeMask[i] = i >= alwaysKept || nodeInfluence[i] >= nodeCut ? 1 : 0;
  const influentialNodes = Uint8Array.from(nodeMask);

  const { cols, starts, targets } = rows;
  const prunedNormalized = normalizedAbsWeights(rows, (s, t) => nodeMask[s] === 1 && nodeMask[t] === 1);
  const prunedInfluence = propagateInfluence(rows, prunedNormalized, logitWeights);
  const edgeScores = new Float64Array(prunedNormalized.length);
  for (let r = 0; r < targets.length; r++) {
    const w = prunedInfluence[targets[r]] + logitWeights[targets[r]];
    for (let e = starts[r]; e < starts[r + 1]; e++) edgeScores[e] = prunedNormalized[e] * w;
  }
  const edgeCut = thresholdScore(edgeScores, edgeThreshold);
  const edgeMask = new Uint8Array(edgeScores.length);
  // A zero score never passes: circuit-tracer's dense mask would admit absent edges only at threshold 1.
  for (let e = 0; e < edgeScores.length; e++) edgeMask[e] = edgeScores[e] >= edgeCut && edgeScores[e] > 0 ? 1 : 0;
  const influentialEdges = Uint8Array.from(edgeMask);

  // Features and errors need a kept outgoing edge, features a kept incoming one; repeat until stable.
  for (;;) {
    const hasOut = new Uint8Array(nNodes);
    const hasIn = new Uint8Array(nNodes);
    for (let r = 0; r < targets.length; r++)
      for (let e = starts[r]; e < starts[r + 1]; e++) {
        if (edgeMask[e] && !(nodeMask[cols[e]] && nodeMask[targets[r]])) edgeMask[e] = 0;
        if (edgeMask[e]) {
          hasOut[cols[e]] = 1;
          hasIn[targets[r]] = 1;
        }
      }
    let changed = false;
    for (let i = 0; i < alwaysKept; i++) {
      const keep = nodeMask[i] === 1 && hasOut[i] === 1 && (i >= blocks.nFeatures || hasIn[i] === 1);
      if (!keep && nodeMask[i] === 1) {
        nodeMask[i] = 0;
        changed = true;
      }
    }
    if (!changed) break;
  }

  const order = Array.from(nodeInfluence.keys()).sort((a, b) => nodeInfluence[b] - nodeInfluence[a]);
  let total = 0;
  for (const v of nodeInfluence) total += v;
  const cumulativeInfluence = new Float64Array(nNodes);
  let cum = 0;
  for (const i of order) {
    cum += nodeInfluence[i];
    cumulativeInfluence[i] = total > 0 ? cum / total : 0;
  }
  return { nodeMask, edgeMask, nodeInfluence, cumulativeInfluence, influentialNodes, edgeScores, influentialEdges };
}
