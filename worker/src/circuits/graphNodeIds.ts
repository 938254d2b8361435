// Node ids as circuit-tracer's create_graph_files writes Neuronpedia's `node_id` (frontend/graph_models.py):
// features `{layer}_{feature}_{pos}`, errors `0_{layer}_{pos}`, embeddings `E_{token}_{pos}`, logits
// `{nLayer + 1}_{token}_{pos}`.

export const featureNodeId = (layer: number, feature: number, position: number) => `${layer}_${feature}_${position}`;

/**
 * Circuit-tracer's error id `0_{layer}_{pos}` is also the id of layer 0's feature number `layer` at that position;
 * when that feature is in the same graph, the error takes `err_{layer}_{pos}` so ids stay unique.
 */
export const errorNodeId = (layer: number, position: number, clashes = false) =>
  clashes ? `err_${layer}_${position}` : `0_${layer}_${position}`;

export const embeddingNodeId = (token: number, position: number) => `E_${token}_${position}`;

export const logitNodeId = (nLayer: number, token: number, position: number) => `${nLayer + 1}_${token}_${position}`;
