// Neuronpedia's attribution graph JSON (the file its graph viewer loads; here beside the graph's shapes rather than in
// formats/, which circuits' kernels import): the schema is the Neuronpedia webapp's
// app/api/graph/graph-schema.json, and the node conventions are circuit-tracer's
// (circuit_tracer/frontend/graph_models.py, utils/create_graph_files.py): feature nodes "cross layer transcoder"
// with layer as a string, errors "mlp reconstruction error" (feature -1), embeddings layer "E" (feature = position),
// logits layer nLayers + 1 (feature = vocabulary id). Node ids are kept as the graph gives them.
import type { Supernode } from '@atlas/migrations';
import { z } from 'zod';
import type { AttributionGraph, GraphNode, GraphNodeKind, GraphParams } from './attributionGraph.js';
import { DEFAULT_GRAPH_PARAMS } from './attributionGraph.js';
import { AtlasError } from '../errors.js';

// A supernode travels in `qParams.supernodes` as `[name, ...nodeIds]`; its shape is the stored one.
export type { Supernode };

/** What the file carries beyond the AttributionGraph: naming, labels, and the person's annotations. */
export interface NeuronpediaGraphExtras {
  /** Neuronpedia `metadata.slug`: the graph's name in URLs. */
  slug: string;
  /** Node labels (`clerp`) by node id, e.g. an atlas feature's label; a logit without one reads `Output "x" (p=…)`. */
  clerps?: Readonly<Record<string, string>>;
  /** Text of logit tokens by vocabulary id (the graph holds ids only; embeddings' text is `graph.tokens`). */
  logitTokens?: Readonly<Record<number, string>>;
  supernodes?: readonly Supernode[];
  pinnedNodeIds?: readonly string[];
  /** The transcoders per layer (Neuronpedia `metadata.transcoder_list`): names a person can look up. */
  transcoderList?: readonly string[];
  /** Milliseconds since the epoch (`metadata.info.create_time_ms`). */
  createdAtMs?: number;
}

/** A graph read from Neuronpedia's JSON, with everything the file said beyond the graph. */
export interface ImportedNeuronpediaGraph {
  graph: AttributionGraph;
  slug: string;
  clerps: Record<string, string>;
  logitTokens: Record<number, string>;
  supernodes: Supernode[];
  pinnedNodeIds: string[];
  transcoderList: string[];
  createdAtMs?: number;
}

const FEATURE_TYPE: Record<GraphNodeKind, string> = {
  embedding: 'embedding',
  feature: 'cross layer transcoder',
  error: 'mlp reconstruction error',
  logit: 'logit',
};

/** What the viewer shows for a logit with no label of its own (circuit-tracer's wording). */
export function logitClerp(text: string, probability: number): string {
  return `Output "${text}" (p=${probability.toFixed(3)})`;
}
const LOGIT_CLERP = /^Output "(.*)" \(p=[-0-9.e]+\)$/s;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const nodeSchema = z.object({
  node_id: z.string().min(1),
  feature: z.number().int().nullable(),
  layer: z.union([z.string(), z.number().int()]),
  ctx_idx: z.number().int().min(0),
  feature_type: z.string(),
  jsNodeId: z.string(),
  clerp: z.string(),
  influence: finite.nullable().optional(),
  activation: finite.nullable().optional(),
  token_prob: finite.optional(),
  is_target_logit: z.boolean().optional(),
});

const graphSchema = z.object({
  metadata: z.object({
    slug: z.string(),
    scan: z.string().min(1),
    prompt_tokens: z.array(z.string()),
    prompt: z.string(),
    transcoder_list: z.array(z.string()).optional(),
    node_threshold: finite.nullable().optional(),
    info: z.object({ create_time_ms: finite.optional() }).optional(),
    generation_settings: z
      .object({
        max_n_logits: z.number().int().positive().optional(),
        desired_logit_prob: finite.optional(),
        max_feature_nodes: z.number().int().positive().optional(),
      })
      .optional(),
    pruning_settings: z.object({ node_threshold: finite.optional(), edge_threshold: finite.optional() }).optional(),
    /** Ours: what an AttributionGraph holds that Neuronpedia's schema has no key for. */
    atlas: z
      .object({
        prompt_token_ids: z.array(z.number().int()),
        nodes_before_pruning: z.number().int().min(0),
        edges_before_pruning: z.number().int().min(0),
        build_seconds: finite,
        replacement_score: finite.optional(),
        completeness_score: finite.optional(),
      })
      .optional(),
  }),
  qParams: z.object({
    pinnedIds: z.array(z.string()).optional(),
    supernodes: z.array(z.array(z.string()).min(1)).optional(),
  }),
  nodes: z.array(nodeSchema),
  links: z.array(z.object({ source: z.string(), target: z.string(), weight: finite })),
});

export type NeuronpediaGraphJson = z.infer<typeof graphSchema>;

function malformed(field: string, problem: string, fix: string): AtlasError {
  return new AtlasError('SOURCE_MALFORMED', `Neuronpedia graph JSON: ${field} ${problem}; ${fix}`);
}

/** Neuronpedia's graph JSON of `graph`. Key order is fixed, so the same graph always gives the same text. */
export function toNeuronpediaGraph(graph: AttributionGraph, extras: NeuronpediaGraphExtras): Record<string, unknown> {
  const clerps = extras.clerps ?? {};
  const target = graph.nodes
    .filter((n) => n.kind === 'logit')
    .reduce<GraphNode | undefined>(
      (best, n) => (!best || (n.probability ?? 0) > (best.probability ?? 0) ? n : best),
      undefined,
    );
  const nodes = graph.nodes.map((n) => {
    const tokenId = n.tokenId ?? -1;
    const feature =
      n.kind === 'feature'
        ? (n.featureIndex ?? -1)
        : n.kind === 'error'
          ? -1
          : n.kind === 'embedding'
            ? n.position
            : tokenId;
    const layer = n.kind === 'embedding' ? 'E' : String(n.kind === 'logit' ? n.layer + 1 : n.layer);
    const jsNodeId =
      n.kind === 'feature'
        ? `${n.layer}_${n.featureIndex ?? -1}-0`
        : n.kind === 'error'
          ? `${n.layer}_${n.position}-0`
          : n.kind === 'embedding'
            ? `E_${tokenId}-${n.position}`
            : `L_${tokenId}-${n.position}`;
    const defaultClerp =
      n.kind === 'logit' ? logitClerp(extras.logitTokens?.[tokenId] ?? `#${tokenId}`, n.probability ?? 0) : '';
    return {
      node_id: n.nodeId,
      feature,
      layer,
      ctx_idx: n.position,
      feature_type: FEATURE_TYPE[n.kind],
      token_prob: n.kind === 'logit' ? (n.probability ?? 0) : 0,
      is_target_logit: n === target,
      run_idx: 0,
      reverse_ctx_idx: 0,
      jsNodeId,
      clerp: clerps[n.nodeId] ?? defaultClerp,
      influence: n.influence,
      activation: n.kind === 'feature' ? (n.activation ?? null) : null,
    };
  });
  const params = graph.params;
  return {
    metadata: {
      slug: extras.slug,
      scan: graph.modelId,
      transcoder_list: [...(extras.transcoderList ?? [])],
      prompt_tokens: graph.tokens.map((t) => t.text),
      prompt: graph.prompt,
      node_threshold: params.nodeThreshold,
      info: {
        generator: { name: 'feature atlas' },
        ...(extras.createdAtMs === undefined ? {} : { create_time_ms: extras.createdAtMs }),
      },
      generation_settings: {
        max_n_logits: params.maxLogits,
        desired_logit_prob: params.logitProbability,
        max_feature_nodes: params.maxFeatureNodes,
      },
      pruning_settings: { node_threshold: params.nodeThreshold, edge_threshold: params.edgeThreshold },
      atlas: {
        prompt_token_ids: graph.tokens.map((t) => t.id),
        nodes_before_pruning: graph.stats.nodesBeforePruning,
        edges_before_pruning: graph.stats.edgesBeforePruning,
        build_seconds: graph.stats.seconds,
        replacement_score: graph.stats.replacementScore,
        completeness_score: graph.stats.completenessScore,
      },
    },
    qParams: {
      pinnedIds: [...(extras.pinnedNodeIds ?? [])],
      supernodes: (extras.supernodes ?? []).map((s) => [s.name, ...s.nodeIds]),
      linkType: 'both',
      clickedId: '',
      sg_pos: '',
    },
    nodes,
    links: graph.edges.map((e) => ({ source: e.source, target: e.target, weight: e.weight })),
  };
}

function kindOf(featureType: string): GraphNodeKind {
  if (featureType === 'embedding') return 'embedding';
  if (featureType === 'logit') return 'logit';
  if (featureType.includes('error')) return 'error';
  return 'feature';
}

function integerLayer(raw: string | number, field: string): number {
  const layer = typeof raw === 'number' ? raw : /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(layer))
    throw malformed(
      field,
      `is ${JSON.stringify(raw)}`,
      'give the layer number (a string of digits, or "E" for embeddings)',
    );
  return layer;
}

/** Read Neuronpedia's graph JSON (parsed, or text); SOURCE_MALFORMED naming the first bad field and the fix. */
export function fromNeuronpediaGraph(json: unknown): ImportedNeuronpediaGraph {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (err) {
      throw malformed(
        'the text',
        `is not JSON (${(err as Error).message})`,
        'give the graph file as written by Neuronpedia or circuit-tracer',
      );
    }
  }
  const parsed = graphSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length
      ? issue.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '')
      : 'the document';
    throw malformed(
      field,
      `is invalid (${issue.message})`,
      "follow Neuronpedia's graph schema (metadata.slug/scan/prompt/prompt_tokens; nodes[] with node_id, feature, layer, ctx_idx, feature_type, jsNodeId, clerp; links[] with source, target, weight)",
    );
  }
  const g = parsed.data;
  const m = g.metadata;
  const tokenIds = m.atlas?.prompt_token_ids;
  if (tokenIds && tokenIds.length !== m.prompt_tokens.length)
    throw malformed(
      'metadata.atlas.prompt_token_ids',
      `has ${tokenIds.length} ids for ${m.prompt_tokens.length} prompt_tokens`,
      'give one id per prompt token, or leave metadata.atlas out',
    );
  const embeddingIds = new Map<number, number>();
  const clerps: Record<string, string> = {};
  const logitTokens: Record<number, string> = {};
  const seen = new Set<string>();
  const nodes: GraphNode[] = g.nodes.map((raw, i) => {
    const field = (f: string) => `nodes[${i}].${f}`;
    if (seen.has(raw.node_id))
      throw malformed(field('node_id'), `"${raw.node_id}" appears twice`, 'give each node its own node_id');
    seen.add(raw.node_id);
    if (raw.clerp !== '') clerps[raw.node_id] = raw.clerp;
    const kind = kindOf(raw.feature_type);
    const node: GraphNode = {
      nodeId: raw.node_id,
      kind,
      layer: 0,
      position: raw.ctx_idx,
      influence: raw.influence ?? 0,
    };
    if (kind === 'embedding') {
      node.layer = -1;
      const id = /^E_(\d+)_\d+$/.exec(raw.node_id);
      const tokenId = tokenIds?.[raw.ctx_idx] ?? (id ? Number(id[1]) : -1);
      node.tokenId = tokenId;
      embeddingIds.set(raw.ctx_idx, tokenId);
    } else if (kind === 'logit') {
      if (raw.feature === null)
        throw malformed(field('feature'), 'is null on a logit', "give the logit token's vocabulary id");
      node.layer = integerLayer(raw.layer, field('layer')) - 1;
      node.tokenId = raw.feature;
      node.probability = raw.token_prob ?? 0;
      const text = LOGIT_CLERP.exec(raw.clerp);
      if (text) logitTokens[raw.feature] = text[1];
    } else {
      node.layer = integerLayer(raw.layer, field('layer'));
      if (kind === 'feature') {
        // A preset scan offsets `feature` by layer (circuit-tracer); the node id keeps the index within the layer.
        const id = /^(\d+)_(\d+)_(\d+)$/.exec(raw.node_id);
        const index = id && Number(id[1]) === node.layer ? Number(id[2]) : raw.feature;
        if (index === null || index < 0)
          throw malformed(field('feature'), `is ${raw.feature}`, "give the feature's index within its layer");
        node.featureIndex = index;
        if (raw.activation != null) node.activation = raw.activation;
      }
    }
    return node;
  });
  const edges = g.links.map((l, i) => {
    for (const end of ['source', 'target'] as const)
      if (!seen.has(l[end]))
        throw malformed(`links[${i}].${end}`, `"${l[end]}" is no node's node_id`, 'link only nodes listed in nodes[]');
    return { source: l.source, target: l.target, weight: l.weight };
  });
  const known = (id: string, field: string) => {
    if (!seen.has(id)) throw malformed(field, `"${id}" is no node's node_id`, 'name only nodes listed in nodes[]');
    return id;
  };
  const pinnedNodeIds = (g.qParams.pinnedIds ?? []).map((id, i) => known(id, `qParams.pinnedIds[${i}]`));
  const supernodes = (g.qParams.supernodes ?? []).map(([name, ...ids], i) => ({
    name,
    nodeIds: ids.map((id, j) => known(id, `qParams.supernodes[${i}][${j + 1}]`)),
  }));
  const params: GraphParams = {
    nodeThreshold: m.pruning_settings?.node_threshold ?? m.node_threshold ?? DEFAULT_GRAPH_PARAMS.nodeThreshold,
    edgeThreshold: m.pruning_settings?.edge_threshold ?? DEFAULT_GRAPH_PARAMS.edgeThreshold,
    maxFeatureNodes: m.generation_settings?.max_feature_nodes ?? DEFAULT_GRAPH_PARAMS.maxFeatureNodes,
    logitProbability: m.generation_settings?.desired_logit_prob ?? DEFAULT_GRAPH_PARAMS.logitProbability,
    maxLogits: m.generation_settings?.max_n_logits ?? DEFAULT_GRAPH_PARAMS.maxLogits,
  };
  const graph: AttributionGraph = {
    modelId: m.scan,
    prompt: m.prompt,
    // Token ids: ours when the file is ours, else the embedding nodes' (`E_{id}_{pos}`); -1 where neither says.
    tokens: m.prompt_tokens.map((text, pos) => ({ id: tokenIds?.[pos] ?? embeddingIds.get(pos) ?? -1, text })),
    params,
    nodes,
    edges,
    stats: {
      nodesBeforePruning: m.atlas?.nodes_before_pruning ?? nodes.length,
      edgesBeforePruning: m.atlas?.edges_before_pruning ?? edges.length,
      seconds: m.atlas?.build_seconds ?? 0,
      replacementScore: m.atlas?.replacement_score,
      completenessScore: m.atlas?.completeness_score,
    },
  };
  return {
    graph,
    slug: m.slug,
    clerps,
    logitTokens,
    supernodes,
    pinnedNodeIds,
    transcoderList: m.transcoder_list ?? [],
    ...(m.info?.create_time_ms === undefined ? {} : { createdAtMs: m.info.create_time_ms }),
  };
}
