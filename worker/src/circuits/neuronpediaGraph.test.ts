// Neuronpedia graph JSON: our export reads back as the same graph and the same text, a file shaped like
// Neuronpedia's own examples imports with the right parts, and a bad file names its bad field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AtlasError } from '../errors.js';
import { fromNeuronpediaGraph, toNeuronpediaGraph, type NeuronpediaGraphExtras } from './neuronpediaGraph.js';
import { smallAttributionGraph } from './smallAttributionGraph.testing.js';

// Neuronpedia's repository holds no example graph file: this one is built from the `examples` values of its schema
// (hijohnnylin/neuronpedia apps/webapp/app/api/graph/graph-schema.json: slug my-neat-graph, scan gemma-2-2b, the
// node 0_253_1, the link E_2_0 -> 0_253_1 with weight 12.964216232299805, ...) with circuit-tracer's node layout
// (safety-research/circuit-tracer circuit_tracer/frontend/graph_models.py: error ids 0_{layer}_{pos}, logits at
// layer nLayers + 1, run_idx and reverse_ctx_idx present, influence null on logits).
const SCHEMA_EXAMPLE = fileURLToPath(
  new URL('../../test-fixtures/neuronpedia-graph/schema-example.json', import.meta.url),
);

const extras: NeuronpediaGraphExtras = {
  slug: 'the-cat-sat',
  clerps: { '0_17_1': 'animal nouns' },
  logitTokens: { 13: '.', 11: ',' },
  supernodes: [{ name: 'cat', nodeIds: ['0_17_1', '1_5_2'] }],
  pinnedNodeIds: ['1_5_2', '3_13_2'],
  transcoderList: ['tc-layer-0', 'tc-layer-1'],
  createdAtMs: 1_764_000_000_000,
};

test('export then import gives back the same graph and what the file carried beside it', () => {
  const graph = smallAttributionGraph();
  const back = fromNeuronpediaGraph(JSON.parse(JSON.stringify(toNeuronpediaGraph(graph, extras))));
  assert.deepEqual(back.graph, graph);
  assert.equal(back.slug, 'the-cat-sat');
  assert.deepEqual(back.supernodes, [{ name: 'cat', nodeIds: ['0_17_1', '1_5_2'] }]);
  assert.deepEqual(back.pinnedNodeIds, ['1_5_2', '3_13_2']);
  assert.deepEqual(back.transcoderList, ['tc-layer-0', 'tc-layer-1']);
  assert.equal(back.createdAtMs, 1_764_000_000_000);
  assert.deepEqual(back.logitTokens, { 13: '.', 11: ',' });
  assert.deepEqual(back.clerps, {
    '0_17_1': 'animal nouns',
    '3_13_2': 'Output "." (p=0.750)',
    '3_11_2': 'Output "," (p=0.125)',
  });
});

test('export, import, export is the same text', () => {
  const first = JSON.stringify(toNeuronpediaGraph(smallAttributionGraph(), extras));
  const back = fromNeuronpediaGraph(first);
  const second = JSON.stringify(toNeuronpediaGraph(back.graph, back));
  assert.equal(second, first);
});

test("the export follows circuit-tracer's node layout", () => {
  const json = toNeuronpediaGraph(smallAttributionGraph(), extras) as {
    nodes: Record<string, unknown>[];
    qParams: { supernodes: string[][] };
    metadata: Record<string, unknown>;
  };
  const byId = new Map(json.nodes.map((n) => [n.node_id, n]));
  assert.deepEqual(
    [byId.get('E_3797_1'), byId.get('0_17_1'), byId.get('0_1_2'), byId.get('3_13_2')].map((n) => [
      n?.layer,
      n?.feature,
      n?.feature_type,
      n?.jsNodeId,
      n?.is_target_logit,
    ]),
    [
      ['E', 1, 'embedding', 'E_3797-1', false],
      ['0', 17, 'cross layer transcoder', '0_17-0', false],
      ['1', -1, 'mlp reconstruction error', '1_2-0', false],
      ['3', 13, 'logit', 'L_13-2', true],
    ],
  );
  assert.deepEqual(json.qParams.supernodes, [['cat', '0_17_1', '1_5_2']]);
  assert.deepEqual(json.metadata.prompt_tokens, ['The', ' cat', ' sat']);
  assert.equal(json.metadata.scan, 'tiny-test-lm');
});

test("a file shaped like Neuronpedia's schema examples imports with its nodes, links and annotations", () => {
  const { graph, slug, supernodes, pinnedNodeIds, clerps, logitTokens } = fromNeuronpediaGraph(
    readFileSync(SCHEMA_EXAMPLE, 'utf8'),
  );
  assert.equal(slug, 'my-neat-graph');
  assert.equal(graph.modelId, 'gemma-2-2b');
  assert.equal(graph.nodes.length, 6);
  assert.equal(graph.edges.length, 5);
  assert.deepEqual(
    graph.nodes.map((n) => n.kind),
    ['embedding', 'embedding', 'feature', 'feature', 'error', 'logit'],
  );
  assert.deepEqual(
    graph.tokens.map((t) => t.id),
    [2, 7163, -1, -1, -1],
  );
  const feature = graph.nodes.find((n) => n.nodeId === '0_253_1');
  assert.deepEqual(feature, {
    nodeId: '0_253_1',
    kind: 'feature',
    layer: 0,
    position: 1,
    featureIndex: 253,
    activation: 9.449039459228516,
    influence: 0.48267510533332825,
  });
  assert.deepEqual(
    graph.nodes.find((n) => n.kind === 'logit'),
    {
      nodeId: '27_235265_4',
      kind: 'logit',
      layer: 26,
      position: 4,
      tokenId: 235265,
      probability: 0.4211,
      influence: 0,
    },
  );
  assert.deepEqual(graph.edges[0], { source: 'E_2_0', target: '0_253_1', weight: 12.964216232299805 });
  assert.deepEqual(graph.params, {
    nodeThreshold: 0.8,
    edgeThreshold: 0.98,
    maxFeatureNodes: 8192,
    logitProbability: 0.95,
    maxLogits: 10,
  });
  assert.deepEqual(supernodes, [{ name: 'cat', nodeIds: ['0_253_1', '1_40_1'] }]);
  assert.deepEqual(pinnedNodeIds, ['0_253_1', 'E_2_0']);
  assert.equal(clerps['0_253_1'], 'my label for this feature');
  assert.deepEqual(logitTokens, { 235265: '.' });
});

function importError(json: unknown): string {
  try {
    fromNeuronpediaGraph(json);
  } catch (err) {
    assert.ok(err instanceof AtlasError);
    assert.equal(err.code, 'SOURCE_MALFORMED');
    return err.message;
  }
  assert.fail('the import should have failed');
}

test('a malformed file gives one error naming the bad field and the fix', () => {
  const good = (): Record<string, unknown> & { nodes: Record<string, unknown>[]; links: Record<string, unknown>[] } =>
    JSON.parse(readFileSync(SCHEMA_EXAMPLE, 'utf8'));
  assert.match(importError('{ not json'), /the text is not JSON/);
  const noPrompt = good();
  delete (noPrompt.metadata as Record<string, unknown>).prompt;
  assert.match(importError(noPrompt), /metadata\.prompt is invalid.*follow Neuronpedia's graph schema/);
  const badWeight = good();
  badWeight.links[2].weight = 'heavy';
  assert.match(importError(badWeight), /links\[2\]\.weight is invalid/);
  const dangling = good();
  dangling.links[1].target = '9_9_9';
  assert.match(importError(dangling), /links\[1\]\.target "9_9_9" is no node's node_id; link only nodes listed/);
  const twice = good();
  twice.nodes[3].node_id = '0_253_1';
  assert.match(importError(twice), /nodes\[3\]\.node_id "0_253_1" appears twice/);
  const badLayer = good();
  badLayer.nodes[2].layer = 'mlp';
  assert.match(importError(badLayer), /nodes\[2\]\.layer is "mlp"; give the layer number/);
});
