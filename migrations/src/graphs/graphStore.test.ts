// Attribution graphs on the real embedded database: a graph reads back as saved (order, absent values, numbers
// exact), feature nodes link to their layer's dictionary through one index, annotations are checked and replaced,
// a bad graph stores nothing, and deleting a graph takes its nodes and edges.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { AtlasError } from '../errors.js';
import { AttributionGraphs1733800000000 } from '../migrations/1733800000000-AttributionGraphs.js';
import { deleteGraph, loadGraph, saveGraph, saveGraphAnnotations, type GraphToSave } from './graphStore.js';

let db: TestDatabase;
before(async () => {
  db = await openTestDatabase();
});
after(() => db.close());

async function newDictionary(name: string): Promise<number> {
  const rows: { id: number }[] = await db.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ($1, 'h', 'topk', 4, 8) RETURNING id`,
    [name],
  );
  return rows[0].id;
}

function graph(transcoderIds: number[] = []): GraphToSave {
  return {
    modelName: 'tiny-test-lm',
    prompt: 'The cat sat',
    tokens: [
      { id: 464, text: 'The' },
      { id: 3797, text: ' cat' },
    ],
    params: { nodeThreshold: 0.8, edgeThreshold: 0.98, maxFeatureNodes: 64, logitProbability: 0.95, maxLogits: 5 },
    stats: { nodesBeforePruning: 40, edgesBeforePruning: 300, seconds: 1.5 },
    transcoderIds,
    nodes: [
      { nodeId: 'E_464_0', kind: 'embedding', layer: -1, position: 0, tokenId: 464, tokenText: 'The', influence: 0.5 },
      // 0.1 + 0.2 is not a float32: double precision keeps it exactly.
      {
        nodeId: '1_5_1',
        kind: 'feature',
        layer: 1,
        position: 1,
        featureIndex: 5,
        activation: 0.1 + 0.2,
        influence: 0.25,
      },
      { nodeId: '0_7_1', kind: 'feature', layer: 0, position: 1, featureIndex: 7, activation: 2, influence: 0.125 },
      { nodeId: '0_1_1', kind: 'error', layer: 1, position: 1, influence: 0.375, label: 'error at sat' },
      {
        nodeId: '3_13_1',
        kind: 'logit',
        layer: 2,
        position: 1,
        tokenId: 13,
        tokenText: '.',
        probability: 0.75,
        influence: 0,
      },
    ],
    edges: [
      { source: 'E_464_0', target: '0_7_1', weight: 1.5 },
      { source: '0_7_1', target: '1_5_1', weight: -0.75 },
      { source: '1_5_1', target: '3_13_1', weight: 2 },
    ],
  };
}

test('a saved graph reads back as saved, titled by its prompt, with nodes and edges in order', async () => {
  const id = await saveGraph(db, {
    ...graph(),
    pinnedNodeIds: ['1_5_1'],
    supernodes: [{ name: 's', nodeIds: ['0_7_1'] }],
  });
  const back = await loadGraph(db.dataSource, id);
  assert.ok(back);
  const g = graph();
  assert.deepEqual(back.nodes, g.nodes);
  assert.deepEqual(back.edges, g.edges);
  assert.equal(back.title, 'The cat sat');
  assert.equal(back.slug, 'the-cat-sat');
  assert.deepEqual(back.tokens, g.tokens);
  assert.deepEqual(back.params, g.params);
  assert.deepEqual(back.stats, g.stats);
  assert.deepEqual(back.pinnedNodeIds, ['1_5_1']);
  assert.deepEqual(back.supernodes, [{ name: 's', nodeIds: ['0_7_1'] }]);
  assert.ok(Math.abs(Date.now() - back.createdAt.getTime()) < 60_000);
  assert.equal(await loadGraph(db.dataSource, id + 1000), null);
});

test("feature nodes carry their layer's dictionary, found by one index lookup", async () => {
  const d0 = await newDictionary('tc0');
  const d1 = await newDictionary('tc1');
  const id = await saveGraph(db, graph([d0, d1]));
  const back = await loadGraph(db.dataSource, id);
  assert.deepEqual(
    back?.nodes.map((n) => [n.nodeId, n.dictionaryId]),
    [
      ['E_464_0', undefined],
      ['1_5_1', d1],
      ['0_7_1', d0],
      ['0_1_1', undefined],
      ['3_13_1', undefined],
    ],
  );
  const sql = `SELECT DISTINCT graph_id FROM graph_nodes WHERE dictionary_id = $1 AND feature_index = $2`;
  assert.deepEqual(await db.dataSource.query(sql, [d1, 5]), [{ graph_id: id }]);
  assert.deepEqual(await db.dataSource.query(sql, [d1, 7]), []);
  // Seq scans off: a native PostgreSQL would scan so small a table, and the point is that the index serves it.
  const runner = db.dataSource.createQueryRunner();
  let plan: { 'QUERY PLAN': string }[];
  try {
    await runner.startTransaction();
    await runner.query('SET LOCAL enable_seqscan = off');
    plan = await runner.query(`EXPLAIN ${sql.replace('$1', String(d1)).replace('$2', '5')}`);
    await runner.rollbackTransaction();
  } finally {
    await runner.release();
  }
  assert.match(plan.map((p) => p['QUERY PLAN']).join('\n'), /graph_nodes_feature_idx/);
});

test('annotations are replaced when they name nodes of the graph, refused with the field otherwise', async () => {
  const id = await saveGraph(db, graph());
  assert.equal(
    await saveGraphAnnotations(db.dataSource, id, [{ name: 'cat things', nodeIds: ['0_7_1', '1_5_1'] }], ['3_13_1']),
    true,
  );
  const back = await loadGraph(db.dataSource, id);
  assert.deepEqual(back?.supernodes, [{ name: 'cat things', nodeIds: ['0_7_1', '1_5_1'] }]);
  assert.deepEqual(back?.pinnedNodeIds, ['3_13_1']);
  await assert.rejects(
    saveGraphAnnotations(db.dataSource, id, [{ name: 'x', nodeIds: ['0_7_1', '9_9_9'] }], []),
    (err: unknown) =>
      err instanceof AtlasError &&
      err.code === 'GRAPH_INVALID' &&
      /supernodes\[0\]\.nodeIds\[1\] "9_9_9" is no node of this graph/.test(err.message),
  );
  await assert.rejects(
    saveGraphAnnotations(db.dataSource, id, [], ['E_464_0', 'nope']),
    /pinnedNodeIds\[1\] "nope" is no node of this graph/,
  );
  assert.deepEqual((await loadGraph(db.dataSource, id))?.pinnedNodeIds, ['3_13_1']);
  assert.equal(await saveGraphAnnotations(db.dataSource, id + 1000, [], []), false);
});

test('a bad graph is refused naming the field, and nothing of it is stored', async () => {
  const before: { n: number }[] = await db.dataSource.query(`SELECT count(*)::int AS n FROM graphs`);
  const dangling = graph();
  dangling.edges[1] = { source: '0_7_1', target: 'missing', weight: 1 };
  await assert.rejects(saveGraph(db, dangling), /edges\[1\]\.target "missing" is no node of the graph/);
  const nan = graph();
  nan.nodes[1] = { ...nan.nodes[1], activation: Number.NaN };
  await assert.rejects(saveGraph(db, nan), /nodes\[1\] \(1_5_1\)\.activation is NaN; give a finite number/);
  // Fails inside the transaction (a NUL byte in text): the graph row must not stay behind.
  const nul = graph();
  nul.edges[0] = { ...nul.edges[0] };
  nul.nodes[0] = { ...nul.nodes[0], label: 'bad\u0000label' };
  await assert.rejects(saveGraph(db, nul));
  assert.deepEqual(await db.dataSource.query(`SELECT count(*)::int AS n FROM graphs`), before);
});

test('deleting a graph deletes its nodes and edges', async () => {
  const id = await saveGraph(db, graph());
  const count = async () =>
    (
      await db.dataSource.query(
        `SELECT (SELECT count(*) FROM graph_nodes WHERE graph_id = $1)::int AS nodes,
                (SELECT count(*) FROM graph_edges WHERE graph_id = $1)::int AS edges`,
        [id],
      )
    )[0];
  assert.deepEqual(await count(), { nodes: 5, edges: 3 });
  assert.equal(await deleteGraph(db.dataSource, id), true);
  assert.deepEqual(await count(), { nodes: 0, edges: 0 });
  assert.equal(await deleteGraph(db.dataSource, id), false);
});

test('the migration runs again without harm, and down then up gives working tables back', async () => {
  const runner = db.dataSource.createQueryRunner();
  try {
    await new AttributionGraphs1733800000000().up(runner);
    await new AttributionGraphs1733800000000().down(runner);
    const gone: { n: number }[] = await runner.query(
      `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'graphs'`,
    );
    assert.deepEqual(gone, [{ n: 0 }]);
    await new AttributionGraphs1733800000000().up(runner);
  } finally {
    await runner.release();
  }
  const id = await saveGraph(db, graph());
  assert.equal((await loadGraph(db.dataSource, id))?.nodes.length, 5);
});
