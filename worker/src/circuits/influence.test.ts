// Pruning against a hand-worked graph and, on a real attribution graph, against influence computed here with dense
// matrices: the kept nodes hold at least nodeThreshold of the influence, the kept edges at least edgeThreshold.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { disposeModel, loadGpt2Model } from '../transformer/modelFolder.js';
import { randomModelShape, writeRandomModel } from '../transformer/randomModel.js';
import { DEFAULT_GRAPH_PARAMS } from './attributionGraph.js';
import { attributeTokens } from './buildAttributionGraph.js';
import { EdgeRows } from './edgeRows.js';
import { graphScores, pruneGraph } from './influence.js';
import { randomTranscoders } from './randomTranscoders.testing.js';
import { hostModel, hostTranscoders } from './replacementModel.js';

const scratch = mkdtempSync(join(tmpdir(), 'atlas-influence-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('a hand-worked graph: influence, cumulative shares, node and edge pruning', () => {
  // Nodes: f0 0, f1 1 (features), e0 2 (error), E0 3 (embedding), L0 4, L1 5 (logits, p 0.6 and 0.3).
  const rows = new EdgeRows();
  rows.appendSparse(4, [1, 2, 3], [2, -1, 1]); // normalised: 0.5, 0.25, 0.25
  rows.appendSparse(5, [0], [3]);
  rows.appendSparse(1, [0, 3], [1, -3]); // 0.25, 0.75
  rows.appendSparse(0, [3], [5]);
  const blocks = { nFeatures: 2, nErrors: 1, nEmbeddings: 1, nLogits: 2 };
  // By hand: step 1 f1 .3, e0 .15, E0 .15, f0 .3; step 2 f0 .075, E0 .225 + .3; step 3 E0 .075.
  const expected = [0.375, 0.3, 0.15, 0.75, 0, 0];
  const r = pruneGraph(rows, blocks, [0.6, 0.3], 0.8, 0.9);
  expected.forEach((v, i) => assert.ok(Math.abs(r.nodeInfluence[i] - v) < 1e-12, `node ${i}: ${r.nodeInfluence[i]}`));
  // Total 1.575; descending E0, f0, f1, e0: shares .476, .714, .905, 1.
  const cumulative = [0.375 + 0.75, 0.375 + 0.75 + 0.3, 1.575, 0.75].map((v) => v / 1.575);
  cumulative.forEach((v, i) => assert.ok(Math.abs(r.cumulativeInfluence[i] - v) < 1e-12));
  // 0.8 of the influence is first reached at f1 (0.905): e0 goes.
  assert.deepEqual([...r.influentialNodes], [1, 1, 0, 1, 1, 1]);
  // Without e0, influence: f1 .4, f0 .4, E0 .9; edge scores f1→L0 .4, E0→L0 .2, f0→L1 .3, f0→f1 .1, E0→f1 .3,
  // E0→f0 .4 (total 1.7): 0.9 is first reached at .2 (share .941), so only f0→f1 (.1) and e0→L0 go.
  const scores = [0.4, 0, 0.2, 0.3, 0.1, 0.3, 0.4];
  scores.forEach((v, e) => assert.ok(Math.abs(r.edgeScores[e] - v) < 1e-12, `edge ${e}: ${r.edgeScores[e]}`));
  assert.deepEqual([...r.edgeMask], [1, 0, 1, 1, 0, 1, 1]);
  assert.deepEqual([...r.nodeMask], [1, 1, 0, 1, 1, 1]);
  // At 0.98 every edge of the node-pruned graph stays.
  assert.deepEqual([...pruneGraph(rows, blocks, [0.6, 0.3], 0.8, 0.98).edgeMask], [1, 0, 1, 1, 1, 1, 1]);
  assert.throws(() => pruneGraph(rows, blocks, [0.6, 0.3], 1.5, 0.9), /nodeThreshold 1.5 is not between 0 and 1/);
});

test("circuit-tracer's replacement and completeness scores of the hand-worked graph", () => {
  const rows = new EdgeRows();
  rows.appendSparse(4, [1, 2, 3], [2, -1, 1]);
  rows.appendSparse(5, [0], [3]);
  rows.appendSparse(1, [0, 3], [1, -3]);
  rows.appendSparse(0, [3], [5]);
  const blocks = { nFeatures: 2, nErrors: 1, nEmbeddings: 1, nLogits: 2 };
  const s = graphScores(rows, blocks, [0.6, 0.3], pruneGraph(rows, blocks, [0.6, 0.3], 0.8, 0.98).nodeInfluence);
  // Influence (as above): f0 .375, f1 .3, e0 .15, E0 .75; replacement = E0 / (E0 + e0) = .75 / .9.
  assert.ok(Math.abs(s.replacement - 0.75 / 0.9) < 1e-12, `replacement ${s.replacement}`);
  // Weights influence + p: .375, .3, .15, .75, .6, .3 (sum 2.475); only L0 takes from e0 (.25 of its row).
  assert.ok(Math.abs(s.completeness - (2.475 - 0.25 * 0.6) / 2.475) < 1e-12, `completeness ${s.completeness}`);
  // Without the error edge both scores are 1.
  const clean = new EdgeRows();
  clean.appendSparse(4, [1, 3], [2, 1]);
  clean.appendSparse(1, [3], [1]);
  const c = graphScores(clean, blocks, [0.6, 0.3], pruneGraph(clean, blocks, [0.6, 0.3], 0.8, 0.98).nodeInfluence);
  assert.deepEqual([c.replacement, c.completeness], [1, 1]);
});

test('pruning an attribution graph keeps at least the stated shares of node and edge influence', async () => {
  const model = await loadGpt2Model(
    writeRandomModel(mkdtempSync(join(scratch, 'm-')), { ...randomModelShape, layers: 3 }),
    'this test',
  );
  after(() => disposeModel(model));
  const transcoders = hostTranscoders(randomTranscoders(model.config, { dSae: 48, k: 4, seed: 3 }), model.config);
  const g = await attributeTokens(hostModel(model), transcoders, [5, 17, 250, 3, 99, 42, 42, 7, 180, 1], {
    ...DEFAULT_GRAPH_PARAMS,
    logitProbability: 1,
    maxLogits: 4,
  });
  const b = g.blocks;
  const N = b.nFeatures + b.nErrors + b.nEmbeddings + b.nLogits;
  const { cols, weights, starts, targets } = g.rows;

  /** Dense influence: w · (Â + Â² + ...) with Â the row-normalised |A| restricted to `keep`. */
  const denseInfluence = (keep: (i: number) => boolean) => {
    const a = Array.from({ length: N }, () => new Float64Array(N));
    for (let r = 0; r < targets.length; r++)
      for (let e = starts[r]; e < starts[r + 1]; e++)
        if (keep(targets[r]) && keep(cols[e])) a[targets[r]][cols[e]] = Math.abs(weights[e]);
    for (const row of a) {
      const s = row.reduce((x, y) => x + y, 0);
      if (s > 0) for (let j = 0; j < N; j++) row[j] /= s;
    }
    const w = new Float64Array(N);
    g.logitProbabilities.forEach((p, i) => (w[N - b.nLogits + i] = p));
    const total = new Float64Array(N);
    let x = w;
    for (let step = 0; step < 2 * model.config.nLayer + 4; step++) {
      const next = new Float64Array(N);
      for (let i = 0; i < N; i++) if (x[i]) for (let j = 0; j < N; j++) next[j] += x[i] * a[i][j];
      for (let j = 0; j < N; j++) total[j] += next[j];
      x = next;
    }
    assert.ok(
      x.every((v) => v === 0),
      'the graph is acyclic: the series ends',
    );
    return { a, total, w };
  };
  const full = denseInfluence(() => true);
  const sum = (v: ArrayLike<number>, mask?: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) if (!mask || mask[i]) s += v[i];
    return s;
  };
  for (const [nodeThreshold, edgeThreshold] of [
    [0.8, 0.98],
    [0.5, 0.9],
  ]) {
    const r = pruneGraph(g.rows, b, g.logitProbabilities, nodeThreshold, edgeThreshold);
    for (let i = 0; i < N; i++)
      assert.ok(Math.abs(r.nodeInfluence[i] - full.total[i]) <= 1e-12 * Math.max(1, full.total[i]));
    const kept = sum(full.total, r.influentialNodes) / sum(full.total);
    assert.ok(kept >= nodeThreshold, `nodes kept ${kept} of the influence, wanted ${nodeThreshold}`);
    assert.ok(kept < 1, 'some influence is pruned away');
    for (let i = N - b.nLogits - b.nEmbeddings; i < N; i++)
      assert.equal(r.nodeMask[i], 1, 'embeddings and logits stay');
    for (let i = 0; i < N; i++) if (r.nodeMask[i]) assert.equal(r.influentialNodes[i], 1);

    // Edge scores in the node-pruned graph: Â'[t, s] · (influence'[t] + w[t]).
    const pruned = denseInfluence((i) => r.influentialNodes[i] === 1);
    const scores = new Float64Array(weights.length);
    for (let row = 0; row < targets.length; row++)
      for (let e = starts[row]; e < starts[row + 1]; e++) {
        const t = targets[row];
        scores[e] = pruned.a[t][cols[e]] * (pruned.total[t] + pruned.w[t]);
      }
    const keptEdges = sum(scores, r.influentialEdges) / sum(scores);
    assert.ok(keptEdges >= edgeThreshold, `edges kept ${keptEdges} of the edge influence, wanted ${edgeThreshold}`);
    let finalEdges = 0;
    for (let row = 0; row < targets.length; row++)
      for (let e = starts[row]; e < starts[row + 1]; e++)
        if (r.edgeMask[e]) {
          finalEdges++;
          assert.equal(r.influentialEdges[e], 1);
          assert.ok(r.nodeMask[targets[row]] && r.nodeMask[cols[e]], 'kept edges join kept nodes');
        }
    assert.ok(finalEdges > 0 && finalEdges < weights.length);
  }
});
