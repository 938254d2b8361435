// A small attribution graph written out by hand (2 layers, 3 tokens): what format, storage and job tests share
// until the numeric core builds real ones. Values are arbitrary but exact in float64 and distinct per node.
import type { AttributionGraph } from './attributionGraph.js';

export function smallAttributionGraph(modelId = 'tiny-test-lm'): AttributionGraph {
  return {
    modelId,
    prompt: 'The cat sat',
    tokens: [
      { id: 464, text: 'The' },
      { id: 3797, text: ' cat' },
      { id: 3332, text: ' sat' },
    ],
    params: { nodeThreshold: 0.8, edgeThreshold: 0.98, maxFeatureNodes: 64, logitProbability: 0.95, maxLogits: 5 },
    nodes: [
      { nodeId: 'E_464_0', kind: 'embedding', layer: -1, position: 0, tokenId: 464, influence: 0.5 },
      { nodeId: 'E_3797_1', kind: 'embedding', layer: -1, position: 1, tokenId: 3797, influence: 0.625 },
      { nodeId: 'E_3332_2', kind: 'embedding', layer: -1, position: 2, tokenId: 3332, influence: 0.75 },
      {
        nodeId: '0_17_1',
        kind: 'feature',
        layer: 0,
        position: 1,
        featureIndex: 17,
        activation: 2.25,
        influence: 0.125,
      },
      { nodeId: '1_5_2', kind: 'feature', layer: 1, position: 2, featureIndex: 5, activation: 0.5, influence: 0.25 },
      { nodeId: '0_1_2', kind: 'error', layer: 1, position: 2, influence: 0.375 },
      { nodeId: '3_13_2', kind: 'logit', layer: 2, position: 2, tokenId: 13, probability: 0.75, influence: 0 },
      { nodeId: '3_11_2', kind: 'logit', layer: 2, position: 2, tokenId: 11, probability: 0.125, influence: 0 },
    ],
    edges: [
      { source: 'E_3797_1', target: '0_17_1', weight: 1.5 },
      { source: '0_17_1', target: '1_5_2', weight: 0.75 },
      { source: 'E_3332_2', target: '1_5_2', weight: -0.25 },
      { source: '1_5_2', target: '3_13_2', weight: 2 },
      { source: '0_1_2', target: '3_13_2', weight: 0.5 },
      { source: 'E_464_0', target: '3_11_2', weight: -1 },
    ],
    stats: {
      nodesBeforePruning: 40,
      edgesBeforePruning: 300,
      seconds: 1.5,
      replacementScore: 0.625,
      completenessScore: 0.875,
    },
  };
}
