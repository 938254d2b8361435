// Attribution graphs in the database (issue 18): save one (graph row, then its nodes and edges by bulk load, in one
// transaction), read it back in its order, annotate it (supernodes, pinned nodes), delete it (nodes and edges go
// with it). The api's listings live in the api; what the worker and the api both write lives here.
import type { DataSource } from 'typeorm';
import type { BulkColumn } from '../bulkLoad/bulkLoader.js';
import {
  GRAPH_NODE_KINDS,
  type GraphNodeKindName,
  type GraphParamsRecord,
  type GraphStatsRecord,
  type Supernode,
} from '../entities/graph.entity.js';
import { AtlasError } from '../errors.js';
import { inTransaction, type EvaluationTarget } from '../evaluations/saveEvaluations.js';

/** A node as stored: the worker's GraphNode, plus the text and label the atlas shows. */
export interface GraphNodeRecord {
  nodeId: string;
  kind: GraphNodeKindName;
  layer: number;
  position: number;
  featureIndex?: number;
  tokenId?: number;
  /** The token's text (embeddings and logits). */
  tokenText?: string;
  activation?: number;
  probability?: number;
  influence: number;
  /** Neuronpedia's `clerp`, when a file gave one. */
  label?: string;
}

export interface GraphEdgeRecord {
  source: string;
  target: string;
  weight: number;
}

/** A graph to store: the worker's AttributionGraph with the atlas's naming and annotations. */
export interface GraphToSave {
  /** Default: the prompt. */
  title?: string;
  /** Neuronpedia's slug; default: from the title. */
  slug?: string;
  modelName: string;
  modelId?: number | null;
  prompt: string;
  tokens: { id: number; text: string }[];
  params: GraphParamsRecord;
  stats: GraphStatsRecord;
  /** The transcoder dictionary of each layer, in layer order: feature nodes of layer l link to transcoderIds[l]. */
  transcoderIds?: number[];
  transcoderNames?: string[];
  supernodes?: Supernode[];
  pinnedNodeIds?: string[];
  nodes: GraphNodeRecord[];
  edges: GraphEdgeRecord[];
  /** Default: now. */
  createdAt?: Date;
}

/** A node read back: with the atlas feature's dictionary where its transcoder is an ingested dictionary. */
export interface StoredGraphNode extends GraphNodeRecord {
  dictionaryId?: number;
}

export interface StoredGraph {
  id: number;
  title: string;
  slug: string;
  modelName: string;
  modelId: number | null;
  prompt: string;
  tokens: { id: number; text: string }[];
  params: GraphParamsRecord;
  stats: GraphStatsRecord;
  transcoderIds: number[];
  transcoderNames: string[];
  supernodes: Supernode[];
  pinnedNodeIds: string[];
  nodes: StoredGraphNode[];
  edges: GraphEdgeRecord[];
  createdAt: Date;
}

/** The graph row without nodes and edges: what lists show. */
export type GraphSummary = Omit<StoredGraph, 'nodes' | 'edges'>;

function invalid(message: string): AtlasError {
  return new AtlasError('GRAPH_INVALID', message);
}

/** A URL-safe name from a title: `The cat sat` → `the-cat-sat`. */
export function graphSlug(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'graph';
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Supernodes and pinned ids name nodes of the graph; one error naming the first that does not. */
export function checkAnnotations(
  nodeIds: ReadonlySet<string>,
  supernodes: readonly Supernode[],
  pinnedNodeIds: readonly string[],
  field = { supernodes: 'supernodes', pinnedNodeIds: 'pinnedNodeIds' },
): void {
  supernodes.forEach((s, i) => {
    if (typeof s.name !== 'string' || s.name.trim() === '')
      throw invalid(`${field.supernodes}[${i}].name is empty; give each supernode a name.`);
    s.nodeIds.forEach((id, j) => {
      if (!nodeIds.has(id))
        throw invalid(
          `${field.supernodes}[${i}].nodeIds[${j}] "${id}" is no node of this graph; group only the graph's node ids.`,
        );
    });
  });
  pinnedNodeIds.forEach((id, i) => {
    if (!nodeIds.has(id))
      throw invalid(`${field.pinnedNodeIds}[${i}] "${id}" is no node of this graph; pin only the graph's node ids.`);
  });
}

function checkGraph(g: GraphToSave): void {
  if (typeof g.modelName !== 'string' || g.modelName.trim() === '')
    throw invalid(`modelName is empty; give the name of the model the graph is of.`);
  const ids = new Set<string>();
  g.nodes.forEach((n, i) => {
    const where = `nodes[${i}] (${n.nodeId})`;
    if (ids.has(n.nodeId)) throw invalid(`${where}.nodeId appears twice; give each node its own id.`);
    ids.add(n.nodeId);
    if (!(GRAPH_NODE_KINDS as readonly string[]).includes(n.kind))
      throw invalid(`${where}.kind is "${n.kind}"; use one of ${GRAPH_NODE_KINDS.join(', ')}.`);
    for (const key of ['layer', 'position'] as const)
      if (!Number.isInteger(n[key])) throw invalid(`${where}.${key} is ${n[key]}; give an integer.`);
    for (const key of ['influence', 'activation', 'probability'] as const)
      if (n[key] !== undefined && !finite(n[key])) throw invalid(`${where}.${key} is ${n[key]}; give a finite number.`);
    if (n.kind === 'feature' && !Number.isInteger(n.featureIndex))
      throw invalid(`${where}.featureIndex is ${n.featureIndex}; a feature node needs its index in the transcoder.`);
  });
  g.edges.forEach((e, i) => {
    for (const end of ['source', 'target'] as const)
      if (!ids.has(e[end]))
        throw invalid(`edges[${i}].${end} "${e[end]}" is no node of the graph; link its nodes only.`);
    if (!finite(e.weight)) throw invalid(`edges[${i}].weight is ${e.weight}; give a finite number.`);
  });
  checkAnnotations(ids, g.supernodes ?? [], g.pinnedNodeIds ?? []);
}

const NODE_COLUMNS: BulkColumn[] = [
  { name: 'graph_id', type: 'int' },
  { name: 'ord', type: 'int' },
  { name: 'node_id', type: 'text' },
  { name: 'kind', type: 'text' },
  { name: 'layer', type: 'int' },
  { name: 'position', type: 'int' },
  { name: 'feature_index', type: 'int' },
  { name: 'token_id', type: 'int' },
  { name: 'token_text', type: 'text' },
  { name: 'activation', type: 'float8' },
  { name: 'probability', type: 'float8' },
  { name: 'influence', type: 'float8' },
  { name: 'label', type: 'text' },
  { name: 'dictionary_id', type: 'int' },
];

const EDGE_COLUMNS: BulkColumn[] = [
  { name: 'graph_id', type: 'int' },
  { name: 'ord', type: 'int' },
  { name: 'source', type: 'text' },
  { name: 'target', type: 'text' },
  { name: 'weight', type: 'float8' },
];

/** Store a graph with its nodes and edges in one transaction; returns its id. GRAPH_INVALID for a bad graph. */
export async function saveGraph(db: EvaluationTarget, g: GraphToSave): Promise<number> {
  checkGraph(g);
  const title = g.title?.trim() || g.prompt;
  const transcoderIds = g.transcoderIds ?? [];
  return inTransaction(db.dataSource, async (client) => {
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO graphs (title, slug, model_name, model_id, prompt, tokens, params, stats, transcoder_ids,
                           transcoder_names, supernodes, pinned_node_ids, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce($13, now())) RETURNING id`,
      [
        title,
        g.slug ?? graphSlug(title),
        g.modelName,
        g.modelId ?? null,
        g.prompt,
        JSON.stringify(g.tokens),
        JSON.stringify(g.params),
        JSON.stringify(g.stats),
        transcoderIds,
        g.transcoderNames ?? [],
        JSON.stringify(g.supernodes ?? []),
        JSON.stringify(g.pinnedNodeIds ?? []),
        g.createdAt ?? null,
      ],
    );
    const id = rows[0].id;
    await db.bulkLoader.load(
      client,
      'graph_nodes',
      NODE_COLUMNS,
      g.nodes.map((n, ord) => [
        id,
        ord,
        n.nodeId,
        n.kind,
        n.layer,
        n.position,
        n.featureIndex ?? null,
        n.tokenId ?? null,
        n.tokenText ?? null,
        n.activation ?? null,
        n.probability ?? null,
        n.influence,
        n.label ?? null,
        n.kind === 'feature' ? (transcoderIds[n.layer] ?? null) : null,
      ]),
    );
    await db.bulkLoader.load(
      client,
      'graph_edges',
      EDGE_COLUMNS,
      g.edges.map((e, ord) => [id, ord, e.source, e.target, e.weight]),
    );
    return id;
  });
}

/** A `graphs` row as the driver returns it (GRAPH_SUMMARY_COLUMNS). */
export interface GraphSummaryRow {
  id: number;
  title: string;
  slug: string;
  model_name: string;
  model_id: number | null;
  prompt: string;
  tokens: { id: number; text: string }[];
  params: GraphParamsRecord;
  stats: GraphStatsRecord;
  transcoder_ids: number[];
  transcoder_names: string[];
  supernodes: Supernode[];
  pinned_node_ids: string[];
  created_at: Date;
}

/** The columns of `graphs` a GraphSummary is read from (`g` is the table's alias). */
export const GRAPH_SUMMARY_COLUMNS = `g.id, g.title, g.slug, g.model_name, g.model_id, g.prompt, g.tokens, g.params,
  g.stats, g.transcoder_ids, g.transcoder_names, g.supernodes, g.pinned_node_ids, g.created_at`;

/** A `graphs` row (selected with GRAPH_SUMMARY_COLUMNS) as a GraphSummary. */
export function toGraphSummary(r: GraphSummaryRow): GraphSummary {
  return {
    id: r.id,
    title: r.title,
    slug: r.slug,
    modelName: r.model_name,
    modelId: r.model_id,
    prompt: r.prompt,
    tokens: r.tokens,
    params: r.params,
    stats: r.stats,
    transcoderIds: r.transcoder_ids,
    transcoderNames: r.transcoder_names,
    supernodes: r.supernodes,
    pinnedNodeIds: r.pinned_node_ids,
    createdAt: new Date(r.created_at),
  };
}

interface NodeRow {
  node_id: string;
  kind: GraphNodeKindName;
  layer: number;
  position: number;
  feature_index: number | null;
  token_id: number | null;
  token_text: string | null;
  activation: number | null;
  probability: number | null;
  influence: number;
  label: string | null;
  dictionary_id: number | null;
}

/** A node row as a record; absent values are left out (not undefined), as the worker's graphs have them. */
function toNode(r: NodeRow): StoredGraphNode {
  const n: StoredGraphNode = {
    nodeId: r.node_id,
    kind: r.kind,
    layer: r.layer,
    position: r.position,
    influence: r.influence,
  };
  if (r.feature_index !== null) n.featureIndex = r.feature_index;
  if (r.token_id !== null) n.tokenId = r.token_id;
  if (r.token_text !== null) n.tokenText = r.token_text;
  if (r.activation !== null) n.activation = r.activation;
  if (r.probability !== null) n.probability = r.probability;
  if (r.label !== null) n.label = r.label;
  if (r.dictionary_id !== null) n.dictionaryId = r.dictionary_id;
  return n;
}

/** The nodes of graphs, each graph's in its order: one statement for a list of graphs. */
export async function graphNodesOf(ds: DataSource, graphIds: readonly number[]): Promise<StoredGraphNode[][]> {
  const rows: (NodeRow & { graph_id: number })[] = await ds.query(
    `SELECT graph_id, node_id, kind, layer, position, feature_index, token_id, token_text, activation, probability,
            influence, label, dictionary_id
       FROM graph_nodes WHERE graph_id = ANY($1::int[]) ORDER BY graph_id, ord`,
    [[...graphIds]],
  );
  const by = new Map<number, StoredGraphNode[]>(graphIds.map((id) => [id, []]));
  for (const r of rows) by.get(r.graph_id)?.push(toNode(r));
  return graphIds.map((id) => by.get(id)!);
}

/** The edges of graphs, each graph's in its order: one statement for a list of graphs. */
export async function graphEdgesOf(ds: DataSource, graphIds: readonly number[]): Promise<GraphEdgeRecord[][]> {
  const rows: { graph_id: number; source: string; target: string; weight: number }[] = await ds.query(
    `SELECT graph_id, source, target, weight FROM graph_edges WHERE graph_id = ANY($1::int[]) ORDER BY graph_id, ord`,
    [[...graphIds]],
  );
  const by = new Map<number, GraphEdgeRecord[]>(graphIds.map((id) => [id, []]));
  for (const r of rows) by.get(r.graph_id)?.push({ source: r.source, target: r.target, weight: r.weight });
  return graphIds.map((id) => by.get(id)!);
}

/** Graph rows by id (undefined where none), in the order asked: one statement. */
export async function graphSummariesByIds(
  ds: DataSource,
  ids: readonly number[],
): Promise<(GraphSummary | undefined)[]> {
  const rows: GraphSummaryRow[] = await ds.query(
    `SELECT ${GRAPH_SUMMARY_COLUMNS} FROM graphs g WHERE g.id = ANY($1::int[])`,
    [[...ids]],
  );
  const by = new Map(rows.map((r) => [r.id, toGraphSummary(r)]));
  return ids.map((id) => by.get(id));
}

/** One graph with its nodes and edges, or null. */
export async function loadGraph(ds: DataSource, id: number): Promise<StoredGraph | null> {
  const [summary] = await graphSummariesByIds(ds, [id]);
  if (!summary) return null;
  const [[nodes], [edges]] = await Promise.all([graphNodesOf(ds, [id]), graphEdgesOf(ds, [id])]);
  return { ...summary, nodes, edges };
}

/** Replace a graph's supernodes and pinned nodes; false when there is no such graph. GRAPH_INVALID for ids not in it. */
export async function saveGraphAnnotations(
  ds: DataSource,
  id: number,
  supernodes: readonly Supernode[],
  pinnedNodeIds: readonly string[],
): Promise<boolean> {
  const named = [...new Set([...supernodes.flatMap((s) => s.nodeIds), ...pinnedNodeIds])];
  const found: { node_id: string }[] = await ds.query(
    `SELECT node_id FROM graph_nodes WHERE graph_id = $1 AND node_id = ANY($2::text[])`,
    [id, named],
  );
  const exists: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM graphs WHERE id = $1`, [id]);
  if (exists[0].n === 0) return false;
  checkAnnotations(new Set(found.map((r) => r.node_id)), supernodes, pinnedNodeIds);
  await ds.query(`UPDATE graphs SET supernodes = $2, pinned_node_ids = $3 WHERE id = $1`, [
    id,
    JSON.stringify(supernodes.map((s) => ({ name: s.name, nodeIds: [...s.nodeIds] }))),
    JSON.stringify([...pinnedNodeIds]),
  ]);
  return true;
}

/** Delete a graph; its nodes and edges go with it (ON DELETE CASCADE). False when there was none. */
export async function deleteGraph(ds: DataSource, id: number): Promise<boolean> {
  const rows: unknown[] = await ds.query(
    `WITH gone AS (DELETE FROM graphs WHERE id = $1 RETURNING id) SELECT id FROM gone`,
    [id],
  );
  return rows.length > 0;
}
