// Attribution graphs through the api on a real database (issue 18): a Neuronpedia file imported and read back with
// its nodes and edges, a graph over ingested dictionaries read with its transcoders and atlas features in a constant
// number of statements, graphs listed by model and by feature (and from the feature), annotations saved and
// checked, neuronpediaJson round-tripping our export, and hostile input refused with the field and the fix.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { saveGraph } from '@atlas/migrations';
import { toNeuronpediaGraph } from '@atlas/worker/circuits/neuronpediaGraph';
import { createApiKey } from '../auth/apiKeys.js';
import { loadFixtureAtlas, type FixtureAtlas } from '../testing/fixtureAtlas.js';
import { recordStatements } from '../testing/sqlStatements.js';
import { startAtlasTestApi, UNCACHED, type AtlasTestApi } from '../testing/testApi.js';

// Built from the `examples` of Neuronpedia's graph schema (see worker/src/circuits/neuronpediaGraph.test.ts).
const SCHEMA_EXAMPLE = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../worker/test-fixtures/neuronpedia-graph/schema-example.json', import.meta.url)),
    'utf8',
  ),
) as Record<string, unknown>;

let t: AtlasTestApi<FixtureAtlas>;
let auth: string;
/** A graph over the fixture's dictionaries as transcoders of layers 0 (narrow) and 1 (wide). */
let overAtlas: number;
before(async () => {
  t = await startAtlasTestApi(loadFixtureAtlas, UNCACHED); // counts statements of executions
  auth = `Bearer ${(await createApiKey(t.db.dataSource, 'tester')).key}`;
  const { narrow, wide } = t.atlas;
  const graph = (prompt: string, createdAt: Date) =>
    saveGraph(t.db, {
      modelName: 'builtin:tiny-brown',
      prompt,
      tokens: [
        { id: 1, text: 'The' },
        { id: 2, text: ' dogs' },
      ],
      params: { nodeThreshold: 0.8, edgeThreshold: 0.98, maxFeatureNodes: 64, logitProbability: 0.95, maxLogits: 5 },
      stats: { nodesBeforePruning: 20, edgesBeforePruning: 90, seconds: 2.5 },
      transcoderIds: [narrow, wide],
      nodes: [
        { nodeId: 'E_2_1', kind: 'embedding', layer: -1, position: 1, tokenId: 2, tokenText: ' dogs', influence: 0.5 },
        { nodeId: '0_2_1', kind: 'feature', layer: 0, position: 1, featureIndex: 2, activation: 3, influence: 0.25 },
        { nodeId: '1_5_1', kind: 'feature', layer: 1, position: 1, featureIndex: 5, activation: 1, influence: 0.375 },
        {
          nodeId: '2_7_1',
          kind: 'logit',
          layer: 1,
          position: 1,
          tokenId: 7,
          tokenText: ' bark',
          probability: 0.5,
          influence: 0,
        },
      ],
      edges: [
        { source: 'E_2_1', target: '0_2_1', weight: 2 },
        { source: '0_2_1', target: '1_5_1', weight: 0.5 },
        { source: '1_5_1', target: '2_7_1', weight: 1.25 },
      ],
      createdAt,
    });
  await graph('The dogs (older)', new Date('2026-01-01T00:00:00Z'));
  overAtlas = await graph('The dogs', new Date('2026-02-01T00:00:00Z'));
});
after(() => t.close());

const IMPORT = `mutation($json: JSONObject!, $title: String) { importGraph(json: $json, title: $title) {
  id title modelName prompt tokens nodeThreshold edgeThreshold nodesBeforePruning edgesBeforePruning nodeCount edgeCount
  buildSeconds transcoders { id } supernodes { name nodeIds } pinnedNodeIds
  nodes { nodeId kind layer position featureIndex tokenId tokenText activation probability influence feature { id } }
  edges { source target weight } } }`;

test('importGraph stores a Neuronpedia file; it reads back with its nodes, edges and annotations', async () => {
  const r = await t.post(IMPORT, { json: SCHEMA_EXAMPLE }, auth);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const g = r.data.importGraph;
  assert.equal(g.title, 'The cat in the hat');
  assert.equal(g.modelName, 'gemma-2-2b');
  assert.deepEqual(g.tokens, ['The', ' cat', ' in', ' the', ' hat']);
  assert.deepEqual(
    [g.nodeThreshold, g.edgeThreshold, g.nodesBeforePruning, g.edgesBeforePruning, g.nodeCount, g.edgeCount],
    [0.8, 0.98, 6, 5, 6, 5],
  );
  assert.equal(g.buildSeconds, 0);
  assert.deepEqual(g.transcoders, []);
  assert.deepEqual(g.supernodes, [{ name: 'cat', nodeIds: ['0_253_1', '1_40_1'] }]);
  assert.deepEqual(g.pinnedNodeIds, ['0_253_1', 'E_2_0']);
  assert.deepEqual(g.nodes[2], {
    nodeId: '0_253_1',
    kind: 'FEATURE',
    layer: 0,
    position: 1,
    featureIndex: 253,
    tokenId: null,
    tokenText: null,
    activation: 9.449039459228516,
    probability: null,
    influence: 0.48267510533332825,
    feature: null,
  });
  assert.deepEqual(
    g.nodes.map((n: { kind: string; tokenText: string | null }) => [n.kind, n.tokenText]),
    [
      ['EMBEDDING', 'The'],
      ['EMBEDDING', ' cat'],
      ['FEATURE', null],
      ['FEATURE', null],
      ['ERROR', null],
      ['LOGIT', '.'],
    ],
  );
  assert.deepEqual(g.edges[0], { source: 'E_2_0', target: '0_253_1', weight: 12.964216232299805 });
  const { graph } = await t.data(`query($id: ID!) { graph(id: $id) { id title nodeCount } }`, { id: g.id });
  assert.deepEqual(graph, { id: g.id, title: 'The cat in the hat', nodeCount: 6 });
});

test('neuronpediaJson gives back our own export as it was imported', async () => {
  const json = toNeuronpediaGraph(
    {
      modelId: 'tiny-test-lm',
      prompt: 'Hi there',
      tokens: [
        { id: 5, text: 'Hi' },
        { id: 6, text: ' there' },
      ],
      params: { nodeThreshold: 0.5, edgeThreshold: 0.9, maxFeatureNodes: 8, logitProbability: 0.9, maxLogits: 3 },
      nodes: [
        { nodeId: 'E_5_0', kind: 'embedding', layer: -1, position: 0, tokenId: 5, influence: 0.5 },
        {
          nodeId: '0_3_1',
          kind: 'feature',
          layer: 0,
          position: 1,
          featureIndex: 3,
          activation: 0.1 + 0.2,
          influence: 0.25,
        },
        { nodeId: '2_9_1', kind: 'logit', layer: 1, position: 1, tokenId: 9, probability: 0.625, influence: 0 },
      ],
      edges: [
        { source: 'E_5_0', target: '0_3_1', weight: 1.5 },
        { source: '0_3_1', target: '2_9_1', weight: -0.25 },
      ],
      stats: { nodesBeforePruning: 10, edgesBeforePruning: 20, seconds: 0.75 },
    },
    {
      slug: 'hi-there',
      logitTokens: { 9: '!' },
      clerps: { '0_3_1': 'greetings' },
      supernodes: [{ name: 'greeting', nodeIds: ['0_3_1'] }],
      pinnedNodeIds: ['2_9_1'],
      createdAtMs: 1_764_000_000_123,
    },
  );
  const r = await t.post(
    `mutation($json: JSONObject!) { importGraph(json: $json) { neuronpediaJson } }`,
    { json },
    auth,
  );
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  assert.equal(JSON.stringify(r.data.importGraph.neuronpediaJson), JSON.stringify(json));
});

test("a graph's transcoders and atlas features, for a list of graphs, in a constant number of statements", async () => {
  const query = `query($model: String) { graphs(modelName: $model) { id prompt nodeCount edgeCount
      transcoders { id name } nodes { nodeId feature { id index label } } } }`;
  const { result, statements } = await recordStatements(() => t.data(query, { model: 'builtin:tiny-brown' }));
  const graphs = result.graphs;
  assert.deepEqual(
    graphs.map((g: { prompt: string }) => g.prompt),
    ['The dogs', 'The dogs (older)'],
    'newest first',
  );
  assert.deepEqual(graphs[0].transcoders, [
    { id: String(t.atlas.narrow), name: 'narrow-8' },
    { id: String(t.atlas.wide), name: 'wide-16' },
  ]);
  assert.deepEqual(
    graphs[0].nodes.map(
      (n: { feature: { index: number; label: string | null } | null }) =>
        n.feature && [n.feature.index, n.feature.label],
    ),
    [null, [2, 'plural noun'], [5, 'quotation mark'], null],
  );
  assert.deepEqual([graphs[0].nodeCount, graphs[0].edgeCount], [4, 3]);
  // One statement each for the list, the counts, the dictionaries, the nodes and the features: none per graph or node.
  assert.ok(statements.length <= 5, `${statements.length} statements:\n${statements.join('\n')}`);
});

test('graphs containing a feature, by featureId and from the feature', async () => {
  const { feature } = await t.data(
    `query($d: ID!) { feature(dictionaryId: $d, index: 2) { id graphs { id prompt } } }`,
    { d: String(t.atlas.narrow) },
  );
  assert.deepEqual(
    feature.graphs.map((g: { prompt: string }) => g.prompt),
    ['The dogs', 'The dogs (older)'],
  );
  const byId = await t.data(`query($f: ID) { graphs(featureId: $f, first: 1) { id } }`, { f: feature.id });
  assert.deepEqual(byId.graphs, [{ id: String(overAtlas) }]);
  const other = await t.data(`query($d: ID!) { feature(dictionaryId: $d, index: 3) { graphs { id } } }`, {
    d: String(t.atlas.narrow),
  });
  assert.deepEqual(other.feature.graphs, []);
});

test('saveGraphAnnotations replaces supernodes and pins; ids not in the graph are refused by field', async () => {
  const SAVE = `mutation($id: ID!, $s: [SupernodeInput!]!, $p: [String!]!) {
    saveGraphAnnotations(id: $id, supernodes: $s, pinnedNodeIds: $p) { supernodes { name nodeIds } pinnedNodeIds } }`;
  const id = String(overAtlas);
  const ok = await t.post(SAVE, { id, s: [{ name: 'dogs', nodeIds: ['0_2_1', '1_5_1'] }], p: ['2_7_1'] }, auth);
  assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
  const { graph } = await t.data(`query($id: ID!) { graph(id: $id) { supernodes { name nodeIds } pinnedNodeIds } }`, {
    id,
  });
  assert.deepEqual(graph, { supernodes: [{ name: 'dogs', nodeIds: ['0_2_1', '1_5_1'] }], pinnedNodeIds: ['2_7_1'] });
  const bad = await t.post(SAVE, { id, s: [{ name: 'x', nodeIds: ['0_2_1', '9_9_9'] }], p: [] }, auth);
  assert.equal(bad.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(bad.errors?.[0].message, /supernodes\[0\]\.nodeIds\[1\] "9_9_9" is no node of this graph/);
  const missing = await t.post(SAVE, { id: '999999', s: [], p: [] }, auth);
  assert.equal(missing.errors?.[0].extensions.code, 'NOT_FOUND');
  const anonymous = await t.post(SAVE, { id, s: [], p: [] });
  assert.equal(anonymous.errors?.[0].extensions.code, 'UNAUTHENTICATED');
});

test('attributionGraph queues a graph job; a bad model, threshold, prompt or transcoder is refused first', async () => {
  const [{ id: modelId }] = await t.db.dataSource.query(
    `INSERT INTO models (name, architecture, d_model, n_layers, n_ctx, vocab_size) VALUES ('builtin:tiny-brown', 'gpt2', 64, 1, 64, 1000) RETURNING id`,
  );
  const BUILD = `mutation($input: AttributionGraphInput!) { attributionGraph(input: $input) { type state payload } }`;
  const refused = async (input: Record<string, unknown>) => {
    const r = await t.post(BUILD, { input: { modelName: 'builtin:tiny-brown', prompt: 'The dogs', ...input } }, auth);
    assert.equal(r.errors?.[0].extensions.code, 'BAD_USER_INPUT', JSON.stringify(r));
    return r.errors?.[0].message as string;
  };
  assert.match(
    await refused({ nodeThreshold: 0 }),
    /input\.nodeThreshold must be a share of influence in \(0, 1\] \(got 0\)/,
  );
  assert.match(await refused({ edgeThreshold: 1.5 }), /input\.edgeThreshold must be a share of influence in \(0, 1\]/);
  assert.match(await refused({ modelName: 'gpt-5' }), /input\.modelName: the atlas has no model "gpt-5"/);
  assert.match(await refused({}), /model builtin:tiny-brown has no ingested transcoder for layer 0 \(of 1\)/);
  const [{ id: tc }] = await t.db.dataSource.query(
    `INSERT INTO dictionaries (name, model_id, hook_point, architecture, d_in, n_latents, weights_path, hyperparameters)
     VALUES ('tc-0', $1, 'blocks.0.ln2.hook_normalized', 'topk', 64, 256, '/tc0',
             '{"architecture": "transcoder", "hookNameOut": "blocks.0.hook_mlp_out", "dOut": 64}') RETURNING id`,
    [modelId],
  );
  assert.match(
    await refused({ prompt: 'the dogs barked at the moon '.repeat(20) }),
    /input\.prompt is \d+ tokens with BOS but builtin:tiny-brown reads at most 64; shorten the prompt/,
  );
  assert.match(
    await refused({ transcoderIds: [String(tc), String(tc)] }),
    /input\.transcoderIds\[1\]: dictionary \d+ \(tc-0\) reads blocks\.0\.ln2\.hook_normalized, not layer 1; give one transcoder per layer/,
  );
  const r = await t.post(
    BUILD,
    { input: { modelName: 'builtin:tiny-brown', prompt: 'The dogs', nodeThreshold: 0.6 } },
    auth,
  );
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  assert.deepEqual(r.data.attributionGraph, {
    type: 'graph',
    state: 'queued',
    payload: { modelName: 'builtin:tiny-brown', prompt: 'The dogs', nodeThreshold: 0.6 },
  });
});

test('deleteGraph removes an imported graph with its nodes; a second delete says false; it needs a key', async () => {
  const r = await t.post(IMPORT, { json: SCHEMA_EXAMPLE, title: 'to delete' }, auth);
  const id = r.data.importGraph.id as string;
  const DELETE = `mutation($id: ID!) { deleteGraph(id: $id) }`;
  assert.equal((await t.post(DELETE, { id })).errors?.[0].extensions.code, 'UNAUTHENTICATED');
  assert.deepEqual((await t.post(DELETE, { id }, auth)).data, { deleteGraph: true });
  assert.equal((await t.data(`query($id: ID!) { graph(id: $id) { id } }`, { id })).graph, null);
  const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM graph_nodes WHERE graph_id = $1`, [
    Number(id),
  ]);
  assert.equal(n, 0);
  assert.deepEqual((await t.post(DELETE, { id }, auth)).data, { deleteGraph: false });
});

test('importGraph refuses a malformed file with the field and the fix', async () => {
  const broken = { ...SCHEMA_EXAMPLE, links: [{ source: 'E_2_0', target: 'nowhere', weight: 1 }] };
  const r = await t.post(IMPORT, { json: broken }, auth);
  assert.equal(r.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(
    r.errors?.[0].message,
    /^json: Neuronpedia graph JSON: links\[0\]\.target "nowhere" is no node's node_id; link only nodes/,
  );
  const noNodes = await t.post(IMPORT, { json: { metadata: {}, qParams: {} } }, auth);
  assert.match(noNodes.errors?.[0].message, /json: Neuronpedia graph JSON: metadata\.slug is invalid/);
});
