// Attribution graphs as the api reads them: lists (newest first, by model or by a feature they contain), the
// graphs of many features at once, and node and edge counts of many graphs at once. Saving and reading one graph
// whole is the database layer's (graphStore).
import { GRAPH_SUMMARY_COLUMNS, toGraphSummary, type GraphSummary, type GraphSummaryRow } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import type { FeatureKey } from './features/featureRow.js';
import { preparedQuery } from './preparedQuery.js';

/** Graphs newest first, of one model and/or containing one feature (one index lookup on graph_nodes). */
export async function listGraphs(
  ds: DataSource,
  o: { modelName?: string; feature?: FeatureKey; first: number },
): Promise<GraphSummary[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (o.modelName !== undefined) {
    params.push(o.modelName);
    where.push(`g.model_name = $${params.length}`);
  }
  if (o.feature) {
    params.push(o.feature.dictionaryId, o.feature.index);
    where.push(
      `g.id IN (SELECT graph_id FROM graph_nodes WHERE dictionary_id = $${params.length - 1} AND feature_index = $${params.length})`,
    );
  }
  params.push(o.first);
  const rows: GraphSummaryRow[] = await ds.query(
    `SELECT ${GRAPH_SUMMARY_COLUMNS} FROM graphs g ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY g.created_at DESC, g.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toGraphSummary);
}

/** The graphs each feature is a node of, newest first: one statement for a list of features. */
export async function graphsOfFeatures(ds: DataSource, keys: readonly FeatureKey[]): Promise<GraphSummary[][]> {
  const rows = await preparedQuery<GraphSummaryRow & { key_dictionary: number; key_index: number }>(
    ds,
    'graphs_of_features',
    `SELECT n.dictionary_id AS key_dictionary, n.feature_index AS key_index, ${GRAPH_SUMMARY_COLUMNS}
       FROM (SELECT DISTINCT dictionary_id, feature_index, graph_id FROM graph_nodes
              WHERE (dictionary_id, feature_index) IN (SELECT * FROM unnest($1::int[], $2::int[]))) n
       JOIN graphs g ON g.id = n.graph_id
      ORDER BY g.created_at DESC, g.id DESC`,
    [keys.map((k) => k.dictionaryId), keys.map((k) => k.index)],
  );
  const by = new Map<string, GraphSummary[]>();
  for (const r of rows) {
    const key = `${r.key_dictionary}:${r.key_index}`;
    by.set(key, [...(by.get(key) ?? []), toGraphSummary(r)]);
  }
  return keys.map((k) => by.get(`${k.dictionaryId}:${k.index}`) ?? []);
}

/** Nodes and edges of each graph: one statement for a list of graphs. */
export async function graphCounts(ds: DataSource, ids: readonly number[]): Promise<{ nodes: number; edges: number }[]> {
  const rows: { id: number; nodes: number; edges: number }[] = await ds.query(
    `SELECT id, (SELECT count(*) FROM graph_nodes WHERE graph_id = g.id)::int AS nodes,
            (SELECT count(*) FROM graph_edges WHERE graph_id = g.id)::int AS edges
       FROM unnest($1::int[]) AS g(id)`,
    [[...ids]],
  );
  const by = new Map(rows.map((r) => [r.id, { nodes: r.nodes, edges: r.edges }]));
  return ids.map((id) => by.get(id) ?? { nodes: 0, edges: 0 });
}
