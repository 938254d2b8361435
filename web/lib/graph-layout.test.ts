// The graph page's layout: rows by layer (embeddings lowest), columns by position, no two nodes on one spot,
// and pruning by influence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  edgeStroke,
  layerCount,
  layoutGraph,
  NODE_RADIUS,
  NODES_PER_LINE,
  pruneGraph,
  supernodeBox,
  type LayoutEdge,
  type LayoutNode,
} from './graph-layout';

/** A 2-layer graph over 3 tokens: embeddings, features (a crowded cell at L1/pos 2), errors, and 2 logits. */
function smallGraph(): LayoutNode[] {
  const nodes: LayoutNode[] = [];
  for (let p = 0; p < 3; p++)
    nodes.push({ nodeId: `E_${p}`, kind: 'EMBEDDING', layer: -1, position: p, influence: 0.9 });
  nodes.push({ nodeId: '0_5_0', kind: 'FEATURE', layer: 0, position: 0, influence: 0.3 });
  nodes.push({ nodeId: '0_7_1', kind: 'FEATURE', layer: 0, position: 1, influence: 0.5 });
  nodes.push({ nodeId: 'err_0_1', kind: 'ERROR', layer: 0, position: 1, influence: 0.1 });
  // 8 features in one cell: more than a line holds, so it wraps.
  for (let f = 0; f < 8; f++)
    nodes.push({ nodeId: `1_${f}_2`, kind: 'FEATURE', layer: 1, position: 2, influence: 0.2 + f / 100 });
  nodes.push({ nodeId: 'L_10_2', kind: 'LOGIT', layer: 2, position: 2, influence: 0.05 });
  nodes.push({ nodeId: 'L_11_2', kind: 'LOGIT', layer: 2, position: 2, influence: 0.06 });
  return nodes;
}

test('layer count: the logits’ layer, else one past the highest node', () => {
  assert.equal(layerCount(smallGraph()), 2);
  assert.equal(layerCount(smallGraph().filter((n) => n.kind !== 'LOGIT')), 2);
  assert.equal(layerCount([{ nodeId: 'E_0', kind: 'EMBEDDING', layer: -1, position: 0, influence: 0 }]), 0);
});

test('rows go up with the layer (embeddings lowest, logits highest) and columns right with the position', () => {
  const layout = layoutGraph(smallGraph(), 3);
  assert.deepEqual(
    layout.rows.map((r) => r.label),
    ['emb', 'L0', 'L1', 'logits'],
  );
  for (const a of layout.nodes)
    for (const b of layout.nodes) {
      // SVG y grows downward: a higher layer is a smaller y, whatever cell either node is in.
      if (a.node.layer < b.node.layer) assert.ok(a.y > b.y, `${a.node.nodeId} should be below ${b.node.nodeId}`);
      if (a.node.position < b.node.position)
        assert.ok(a.x < b.x, `${a.node.nodeId} should be left of ${b.node.nodeId}`);
    }
  for (const p of layout.nodes) {
    assert.equal(p.row, p.node.layer + 1);
    assert.equal(p.column, p.node.position);
    const row = layout.rows[p.row];
    const column = layout.columns[p.column];
    assert.ok(p.y - NODE_RADIUS >= row.top && p.y + NODE_RADIUS <= row.bottom, `${p.node.nodeId} leaves its row`);
    assert.ok(
      p.x - NODE_RADIUS >= column.left && p.x + NODE_RADIUS <= column.right,
      `${p.node.nodeId} leaves its column`,
    );
    assert.ok(p.x > 0 && p.x < layout.width && p.y > 0 && p.y < layout.height);
  }
});

test('no two nodes overlap, also in a cell that wraps onto a second line', () => {
  const layout = layoutGraph(smallGraph(), 3);
  for (let i = 0; i < layout.nodes.length; i++)
    for (let j = i + 1; j < layout.nodes.length; j++) {
      const [a, b] = [layout.nodes[i], layout.nodes[j]];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      assert.ok(distance >= 2 * NODE_RADIUS, `${a.node.nodeId} and ${b.node.nodeId} are ${distance} apart`);
    }
  const crowded = layout.nodes.filter((p) => p.node.layer === 1);
  assert.equal(new Set(crowded.map((p) => p.y)).size, 2, 'the 8-node cell takes two lines');
  assert.equal(crowded.filter((p) => p.y === Math.max(...crowded.map((c) => c.y))).length, NODES_PER_LINE);
});

test('within a cell features come before errors, most influential first', () => {
  const layout = layoutGraph(smallGraph(), 3);
  const x = (id: string) => layout.byId.get(id)!.x;
  // err_0_1 has the smaller influence, but errors go after features.
  assert.ok(x('0_7_1') < x('err_0_1'));
  assert.ok(x('L_10_2') < x('L_11_2'));
  // The most influential crowded feature sits on the first (lower) line, at its left.
  const first = layout.byId.get('1_0_2')!;
  const last = layout.byId.get('1_7_2')!;
  assert.ok(first.y > last.y);
});

test('the columns span every token, also those without nodes', () => {
  const layout = layoutGraph(smallGraph(), 5);
  assert.equal(layout.columns.length, 5);
  assert.ok(layout.columns[4].left === layout.columns[3].right);
});

test('a node outside the layers or positions is named', () => {
  const bad: LayoutNode = { nodeId: '7_1_0', kind: 'FEATURE', layer: 7, position: 0, influence: 0 };
  assert.throws(() => layoutGraph([...smallGraph(), bad], 3), /node 7_1_0: layer 7 is outside -1\.\.2/);
  const negative: LayoutNode = { nodeId: 'E_x', kind: 'EMBEDDING', layer: -1, position: -1, influence: 0 };
  assert.throws(() => layoutGraph([negative], 3), /node E_x: position -1 is not a token position/);
});

test('pruning keeps exactly the nodes with influence ≤ t and the edges between kept nodes', () => {
  const nodes = smallGraph();
  const edges: LayoutEdge[] = [
    { source: 'E_0', target: '0_5_0', weight: 2 },
    { source: '0_5_0', target: '1_0_2', weight: -0.5 },
    { source: '0_7_1', target: '1_1_2', weight: 0.05 },
    { source: 'err_0_1', target: 'L_10_2', weight: 1 },
  ];
  const at = (t: number, minEdge = 0) => {
    const pruned = pruneGraph(nodes, edges, t, minEdge);
    return { nodes: pruned.nodes.map((n) => n.nodeId).sort(), edges: pruned.edges.map((e) => e.target).sort() };
  };
  assert.deepEqual(at(0.1).nodes, ['L_10_2', 'L_11_2', 'err_0_1']);
  assert.deepEqual(at(0.1).edges, ['L_10_2']);
  // 0.3 keeps 0_5_0 (exactly 0.3) and the crowded features up to 0.27, not 0_7_1 (0.5) nor the embeddings (0.9).
  assert.deepEqual(at(0.3).nodes, ['0_5_0', '1_0_2', '1_1_2', '1_2_2', '1_3_2', '1_4_2', '1_5_2', '1_6_2', '1_7_2', 'L_10_2', 'L_11_2', 'err_0_1']); // prettier-ignore
  assert.deepEqual(at(0.3).edges, ['1_0_2', 'L_10_2']);
  assert.equal(at(1).nodes.length, nodes.length);
  assert.deepEqual(at(1).edges, ['0_5_0', '1_0_2', '1_1_2', 'L_10_2']);
  // The edge slider on |weight|: -0.5 passes 0.5, 0.05 does not.
  assert.deepEqual(at(1, 0.5).edges, ['0_5_0', '1_0_2', 'L_10_2']);
});

test('edge strokes: width grows with |weight|, colour by sign', () => {
  assert.deepEqual(edgeStroke(4, 4), { width: 4, colour: '#2563eb' });
  assert.deepEqual(edgeStroke(-2, 4), { width: 2.25, colour: '#dc2626' });
  assert.equal(edgeStroke(0, 0).width, 0.5);
});

test('a supernode box encloses its placed members and ignores pruned ones', () => {
  const layout = layoutGraph(smallGraph(), 3);
  const box = supernodeBox(layout, ['0_5_0', '1_3_2', 'gone'])!;
  for (const id of ['0_5_0', '1_3_2']) {
    const p = layout.byId.get(id)!;
    assert.ok(p.x - NODE_RADIUS > box.x && p.x + NODE_RADIUS < box.x + box.width);
    assert.ok(p.y - NODE_RADIUS > box.y && p.y + NODE_RADIUS < box.y + box.height);
  }
  assert.equal(supernodeBox(layout, ['gone']), null);
});
