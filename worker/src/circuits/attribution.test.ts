// Attribution's edges against the frozen replacement model run forward (replacementForward, a code path that shares
// nothing with attribution's backward passes): completeness (edges + bias terms = each target's value) and
// ablation (zeroing a source moves each target by exactly minus its edge weight).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { disposeModel, loadGpt2Model, type Gpt2LoadedModel as LoadedModel } from '../transformer/modelFolder.js';
import { randomModelShape, writeRandomModel } from '../transformer/randomModel.js';
import { DEFAULT_GRAPH_PARAMS } from './attributionGraph.js';
import {
  attributeTokens,
  buildAttributionGraph,
  targetValues as forwardTargetValues,
  type UnprunedGraph,
} from './buildAttributionGraph.js';
import { randomTranscoders } from './randomTranscoders.testing.js';
import {
  hostModel,
  hostTranscoders,
  runSources,
  type HostModel,
  type HostTranscoder,
  type ReplacementSources,
} from './replacementModel.js';

const scratch = mkdtempSync(join(tmpdir(), 'atlas-attribution-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const shape = { ...randomModelShape, layers: 3 };
const tokens = [5, 17, 250, 3, 99, 42, 42, 7, 180, 1];
const all = { ...DEFAULT_GRAPH_PARAMS, maxFeatureNodes: 100000, logitProbability: 1, maxLogits: 5 };
let model: LoadedModel;
let host: HostModel;
before(async () => {
  model = await loadGpt2Model(writeRandomModel(mkdtempSync(join(scratch, 'm-')), shape), 'this test');
  host = hostModel(model);
});
after(() => disposeModel(model));

/** Every target's value from a forward pass of the (frozen) replacement model with `sources`. */
const targetValues = (g: UnprunedGraph, transcoders: HostTranscoder[], sources: ReplacementSources) =>
  forwardTargetValues(host, transcoders, g, sources);

/** Graph node index of each row's target → value index (features keep their order, logits follow). */
function valueIndex(g: UnprunedGraph, node: number): number {
  const b = g.blocks;
  return node < b.nFeatures ? node : node - b.nErrors - b.nEmbeddings;
}

function zeroSources(run: UnprunedGraph['run']): ReplacementSources {
  const s = runSources(run);
  s.embeddings.fill(0);
  s.featureActivations.forEach((a) => a.fill(0));
  s.errors.forEach((e) => e.fill(0));
  return s;
}

for (const skip of [false, true]) {
  test(`completeness: incoming edges plus bias terms equal every target's value (skip ${skip})`, async () => {
    const transcoders = hostTranscoders(
      randomTranscoders(model.config, { dSae: 48, k: 4, seed: 3, skip }),
      model.config,
    );
    const g = await attributeTokens(host, transcoders, tokens, all);
    assert.equal(g.blocks.nFeatures, g.layout.nFeatures, 'every active feature is a node');
    assert.equal(g.rows.rowCount, g.blocks.nFeatures + g.blocks.nLogits);
    assert.equal(g.blocks.nLogits, 5);
    const values = targetValues(g, transcoders, runSources(g.run));
    const bias = targetValues(g, transcoders, zeroSources(g.run));
    const { weights, starts, targets } = g.rows;
    let worst = 0;
    for (let r = 0; r < targets.length; r++) {
      let sum = bias[valueIndex(g, targets[r])];
      for (let e = starts[r]; e < starts[r + 1]; e++) sum += weights[e];
      const value = values[valueIndex(g, targets[r])];
      worst = Math.max(worst, Math.abs(sum - value) / Math.max(Math.abs(value), 1e-3));
    }
    assert.ok(worst <= 1e-4, `worst relative completeness error ${worst}`);
    // The features' pre-activations at the run are the values attribution explains.
    let j = 0;
    for (const f of g.run.features)
      for (const a of f.activations) assert.ok(Math.abs(values[j++] - a) <= 1e-9 * Math.max(1, Math.abs(a)));
  });

  test(`ablating a source in the frozen model moves each target by minus its edge weight (skip ${skip})`, async () => {
    const transcoders = hostTranscoders(
      randomTranscoders(model.config, { dSae: 48, k: 4, seed: 5, skip }),
      model.config,
    );
    const g = await attributeTokens(host, transcoders, tokens, all);
    const { cols, weights, starts, targets } = g.rows;
    const base = targetValues(g, transcoders, runSources(g.run));
    const b = g.blocks;
    const n = tokens.length;
    const d = shape.d;
    // Sources: a layer-0 feature at position 2, the last layer-1 feature, an error and two embeddings.
    const f0 = g.run.features[0].positionStart[2];
    const f1 = g.layout.featureStart[2] - 1;
    const sources = [f0, f1, b.nFeatures + 1 * n + 4, b.nFeatures + b.nErrors, b.nFeatures + b.nErrors + 6];
    let checked = 0;
    for (const source of sources) {
      const s = runSources(g.run);
      if (source < b.nFeatures) {
        let l = 0;
        while (g.layout.featureStart[l + 1] <= source) l++;
        s.featureActivations[l][source - g.layout.featureStart[l]] = 0;
      } else if (source < b.nFeatures + b.nErrors) {
        const k = source - b.nFeatures;
        s.errors[Math.floor(k / n)].fill(0, (k % n) * d, ((k % n) + 1) * d);
      } else {
        const q = source - b.nFeatures - b.nErrors;
        s.embeddings.fill(0, q * d, (q + 1) * d);
      }
      const ablated = targetValues(g, transcoders, s);
      for (let r = 0; r < targets.length; r++) {
        let w = 0;
        for (let e = starts[r]; e < starts[r + 1]; e++) if (cols[e] === source) w = weights[e];
        const change = ablated[valueIndex(g, targets[r])] - base[valueIndex(g, targets[r])];
        assert.ok(
          Math.abs(change + w) <= 1e-4 * Math.max(Math.abs(w), 1e-2),
          `source ${source} → target ${targets[r]}: change ${change}, edge ${w}`,
        );
        if (w !== 0) checked++;
      }
    }
    assert.ok(checked >= 20, `only ${checked} nonzero edges checked`);
  });
}

test('with fewer feature nodes than active features, the chosen ones keep exactly their edges', async () => {
  const transcoders = hostTranscoders(randomTranscoders(model.config, { dSae: 48, k: 4, seed: 3 }), model.config);
  const full = await attributeTokens(host, transcoders, tokens, all);
  const some = await attributeTokens(host, transcoders, tokens, { ...all, maxFeatureNodes: 20 });
  assert.equal(some.blocks.nFeatures, 20);
  assert.equal(some.rows.rowCount, 20 + some.blocks.nLogits);
  // Row of a chosen feature, mapped back to full-graph source indices, equals the full graph's row minus the
  // edges from features that were not chosen.
  const shift = full.blocks.nFeatures - some.blocks.nFeatures;
  const toFull = (i: number) => (i < 20 ? some.selectedFeatures[i] : i + shift);
  const chosen = new Set(some.selectedFeatures);
  const rowOf = (g: UnprunedGraph, target: number, map: (i: number) => number) => {
    const r = g.rows.targets.indexOf(target);
    const m = new Map<number, number>();
    for (let e = g.rows.starts[r]; e < g.rows.starts[r + 1]; e++) m.set(map(g.rows.cols[e]), g.rows.weights[e]);
    return m;
  };
  for (let i = 0; i < 20; i++) {
    const mine = rowOf(some, i, toFull);
    const theirs = rowOf(full, some.selectedFeatures[i], (x) => x);
    for (const [src, w] of theirs) if (src >= full.blocks.nFeatures || chosen.has(src)) assert.equal(mine.get(src), w);
    assert.ok(mine.size <= theirs.size);
  }
  // The logits come first and choose the features: each chosen feature reaches the logits through the edges.
  let progress = 0;
  await attributeTokens(host, transcoders, tokens, { ...all, maxFeatureNodes: 20 }, (done, total) => {
    assert.ok(done > progress && done <= total);
    progress = done;
  });
  assert.equal(progress, 20 + some.blocks.nLogits);
});

test('buildAttributionGraph: Neuronpedia node ids, unique, edges between listed nodes, logits as the model predicts', async () => {
  const set = randomTranscoders(model.config, { dSae: 48, k: 4, seed: 3, modelId: 'random-3l' });
  const g = await buildAttributionGraph(model, set, 'the cat sat on', { ...DEFAULT_GRAPH_PARAMS, maxLogits: 3 });
  assert.equal(g.modelId, 'random-3l');
  const ids = new Set(g.nodes.map((x) => x.nodeId));
  assert.equal(ids.size, g.nodes.length, 'node ids are unique');
  for (const e of g.edges) assert.ok(ids.has(e.source) && ids.has(e.target), `${e.source} → ${e.target}`);
  const n = g.tokens.length;
  for (const node of g.nodes) {
    if (node.kind === 'feature') assert.equal(node.nodeId, `${node.layer}_${node.featureIndex}_${node.position}`);
    if (node.kind === 'error') assert.match(node.nodeId, new RegExp(`^(0|err)_${node.layer}_${node.position}$`));
    if (node.kind === 'embedding') assert.equal(node.nodeId, `E_${g.tokens[node.position].id}_${node.position}`);
    if (node.kind === 'logit') assert.equal(node.nodeId, `${shape.layers + 1}_${node.tokenId}_${n - 1}`);
  }
  assert.equal(g.nodes.filter((x) => x.kind === 'embedding').length, n, 'every embedding is kept');
  const logits = g.nodes.filter((x) => x.kind === 'logit');
  assert.ok(logits.length >= 1 && logits.length <= 3);
  const probs = logits.map((x) => x.probability!);
  assert.deepEqual(
    probs,
    [...probs].sort((a, b) => b - a),
  );
  assert.ok(g.stats.nodesBeforePruning >= g.nodes.length && g.stats.edgesBeforePruning >= g.edges.length);
  assert.ok(g.edges.length > 0);
});

test('an error node whose circuit-tracer id is a layer-0 feature’s takes err_{layer}_{pos}', async () => {
  const set = randomTranscoders(model.config, { dSae: 48, k: 4, seed: 3 });
  set.layers[0].bEnc[1] = 100; // layer 0's feature 1 fires everywhere: its ids are those of layer 1's errors
  const g = await buildAttributionGraph(model, set, 'the cat sat on', {
    ...DEFAULT_GRAPH_PARAMS,
    nodeThreshold: 1,
    edgeThreshold: 1,
  });
  const ids = new Set(g.nodes.map((x) => x.nodeId));
  assert.equal(ids.size, g.nodes.length);
  const feature = g.nodes.find((x) => x.kind === 'feature' && x.layer === 0 && x.featureIndex === 1);
  assert.ok(feature, 'the always-on feature is in the graph');
  const error = g.nodes.find((x) => x.kind === 'error' && x.layer === 1 && x.position === feature.position);
  assert.ok(error, 'its twin error node is in the graph');
  assert.equal(feature.nodeId, `0_1_${feature.position}`);
  assert.equal(error.nodeId, `err_1_${feature.position}`);
  const other = g.nodes.find((x) => x.kind === 'error' && x.layer === 2);
  assert.ok(other && other.nodeId === `0_2_${other.position}`, 'errors without a twin keep circuit-tracer’s id');
});
