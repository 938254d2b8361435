// The comparison page's reading of evaluation rows: a number by metric and class, classes, the Pareto frontier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classesOf, metricValue, paretoFrontier, type TradeOffPoint } from './evaluations';

const rows = [
  { kind: 'core', metric: 'fvu', subject: null, value: 0.25 },
  { kind: 'sparse_probing', metric: 'pos.sae_top_1_test_accuracy', subject: null, value: 0.7 },
  { kind: 'sparse_probing', metric: 'pos.sae_top_1_test_accuracy', subject: 'nn', value: 0.9 },
];

test('metricValue reads the aggregate by default and a class when named; undefined when not measured', () => {
  assert.equal(metricValue(rows, 'fvu'), 0.25);
  assert.equal(metricValue(rows, 'pos.sae_top_1_test_accuracy'), 0.7);
  assert.equal(metricValue(rows, 'pos.sae_top_1_test_accuracy', 'nn'), 0.9);
  assert.equal(metricValue(rows, 'pos.sae_top_1_test_accuracy', 'vb'), undefined);
  assert.equal(metricValue(rows, 'ce_loss_score'), undefined);
});

test('classesOf lists every class any dictionary has, once, sorted', () => {
  const other = [{ kind: 'sparse_probing', metric: 'pos.sae_top_1_test_accuracy', subject: 'at', value: 0.5 }];
  assert.deepEqual(
    classesOf([{ evaluations: rows }, { evaluations: [...other, ...rows] }], 'pos.sae_top_1_test_accuracy'),
    ['at', 'nn'],
  );
});

const p = (name: string, x: number, y: number): TradeOffPoint => ({ id: name, name, x, y });

test('paretoFrontier keeps the points nothing beats on both axes, lower L0 first', () => {
  // b is beaten by a (sparser and lower FVU); d by c; e ties c's L0 with worse FVU.
  const points = [p('c', 8, 0.1), p('a', 2, 0.3), p('b', 4, 0.35), p('d', 16, 0.2), p('e', 8, 0.15)];
  assert.deepEqual(
    paretoFrontier(points, 'lower').map((q) => q.name),
    ['a', 'c'],
  );
  // For accuracy (higher is better) the frontier climbs.
  const accuracy = [p('a', 2, 0.6), p('b', 4, 0.55), p('c', 8, 0.8), p('d', 16, 0.8)];
  assert.deepEqual(
    paretoFrontier(accuracy, 'higher').map((q) => q.name),
    ['a', 'c'],
  );
  assert.deepEqual(paretoFrontier([], 'lower'), []);
});
