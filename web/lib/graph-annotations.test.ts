// Pins and supernodes as the graph page edits them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupNodes, removeSupernode, togglePin, type GraphAnnotations } from './graph-annotations';

const empty: GraphAnnotations = { pinned: [], supernodes: [] };

test('pinning twice unpins, in pin order, and leaves supernodes alone', () => {
  let a = togglePin(togglePin(empty, '0_5_0'), '1_2_3');
  assert.deepEqual(a.pinned, ['0_5_0', '1_2_3']);
  a = groupNodes(a, 'say', ['0_5_0']) as GraphAnnotations;
  a = togglePin(a, '0_5_0');
  assert.deepEqual(a.pinned, ['1_2_3']);
  assert.deepEqual(a.supernodes, [{ name: 'say', nodeIds: ['0_5_0'] }]);
});

test('grouping names what to fix: a blank or taken name, no nodes', () => {
  const a = groupNodes(empty, '  capital  ', ['a', 'b', 'a']) as GraphAnnotations;
  assert.deepEqual(a.supernodes, [{ name: 'capital', nodeIds: ['a', 'b'] }]);
  assert.match(groupNodes(a, ' ', ['c']) as string, /^supernode name: write a name/);
  assert.match(groupNodes(a, 'capital', ['c']) as string, /"capital" is already a supernode/);
  assert.match(groupNodes(a, 'other', []) as string, /pick pinned nodes to group/);
  assert.deepEqual(removeSupernode(a, 'capital').supernodes, []);
});
