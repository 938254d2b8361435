// A stored graph and Neuronpedia's graph JSON, both ways: what `worker import-graph`, `worker graph --out` and the
// api's importGraph / neuronpediaJson share, so a graph imported and read back gives the same file.
import type { GraphToSave, StoredGraph } from '@atlas/migrations';
import type { AttributionGraph, GraphNode } from '../circuits/attributionGraph.js';
import { toNeuronpediaGraph, type ImportedNeuronpediaGraph } from '../circuits/neuronpediaGraph.js';

/** The AttributionGraph of a stored graph (the atlas's own fields left out). */
export function storedToAttributionGraph(stored: StoredGraph): AttributionGraph {
  return {
    modelId: stored.modelName,
    prompt: stored.prompt,
    tokens: stored.tokens,
    params: stored.params,
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the fields dropped are the atlas's, not the graph's
    nodes: stored.nodes.map(({ tokenText, label, dictionaryId, ...node }): GraphNode => node),
    edges: stored.edges,
    stats: stored.stats,
  };
}

/** Neuronpedia's graph JSON of a stored graph: labels as clerps, token texts for logits, annotations in qParams. */
export function storedGraphToNeuronpedia(stored: StoredGraph): Record<string, unknown> {
  const clerps: Record<string, string> = {};
  const logitTokens: Record<number, string> = {};
  for (const n of stored.nodes) {
    if (n.label !== undefined) clerps[n.nodeId] = n.label;
    if (n.kind === 'logit' && n.tokenId !== undefined && n.tokenText !== undefined)
      logitTokens[n.tokenId] = n.tokenText;
  }
  return toNeuronpediaGraph(storedToAttributionGraph(stored), {
    slug: stored.slug,
    clerps,
    logitTokens,
    supernodes: stored.supernodes,
    pinnedNodeIds: stored.pinnedNodeIds,
    transcoderList: stored.transcoderNames,
    createdAtMs: stored.createdAt.getTime(),
  });
}

/** An AttributionGraph as the database layer stores it: token texts on embeddings and logits, labels given. */
export function graphToSave(
  graph: AttributionGraph,
  o: {
    modelName?: string;
    modelId?: number | null;
    title?: string;
    slug?: string;
    transcoderIds?: number[];
    transcoderNames?: string[];
    logitTokens?: Readonly<Record<number, string>>;
    labels?: Readonly<Record<string, string>>;
  } = {},
): GraphToSave {
  return {
    title: o.title,
    slug: o.slug,
    modelName: o.modelName ?? graph.modelId,
    modelId: o.modelId ?? null,
    prompt: graph.prompt,
    tokens: graph.tokens,
    params: graph.params,
    stats: graph.stats,
    transcoderIds: o.transcoderIds,
    transcoderNames: o.transcoderNames,
    nodes: graph.nodes.map((n) => {
      const tokenText =
        n.kind === 'embedding'
          ? graph.tokens[n.position]?.text
          : n.kind === 'logit' && n.tokenId !== undefined
            ? o.logitTokens?.[n.tokenId]
            : undefined;
      const label = o.labels?.[n.nodeId];
      return { ...n, ...(tokenText === undefined ? {} : { tokenText }), ...(label === undefined ? {} : { label }) };
    }),
    edges: graph.edges,
  };
}

/** An imported file as the database layer stores it: its clerps as labels, its token texts, its annotations. */
export function importedGraphToSave(
  imported: ImportedNeuronpediaGraph,
  o: { title?: string; modelId?: number | null } = {},
): GraphToSave {
  return {
    ...graphToSave(imported.graph, {
      title: o.title,
      slug: imported.slug || undefined,
      modelId: o.modelId,
      transcoderNames: imported.transcoderList,
      logitTokens: imported.logitTokens,
      labels: imported.clerps,
    }),
    supernodes: imported.supernodes,
    pinnedNodeIds: imported.pinnedNodeIds,
    ...(imported.createdAtMs === undefined ? {} : { createdAt: new Date(imported.createdAtMs) }),
  };
}
