import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectionScore } from './labelScoring.js';

test('a planted feature whose activation is exactly the predicate scores F1 1 and AUC 1', () => {
  const holds = Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0]);
  const s = detectionScore(holds, Int32Array.from([1, 2, 5]), Float32Array.from([0.3, 2, 1]));
  assert.deepEqual(s, { precision: 1, recall: 1, f1: 1, rocAuc: 1, positives: 3, tokens: 8 });
});

test('hand-computed scores with a tie between a positive and a negative firing', () => {
  // holds: t0 t1 t4; fires: t0 (0.5, holds), t2 (0.5, not), t4 (2, holds). precision 2/3, recall 2/3.
  // AUC over 3x3 pairs: t0 beats t3, t5 and ties t2 (2.5); t1 (silent) ties t3, t5 (1); t4 beats all 3: 6.5/9.
  const holds = Uint8Array.from([1, 1, 0, 0, 1, 0]);
  const s = detectionScore(holds, Int32Array.from([0, 2, 4]), Float32Array.from([0.5, 0.5, 2]));
  assert.ok(Math.abs(s.precision - 2 / 3) < 1e-12 && Math.abs(s.recall - 2 / 3) < 1e-12);
  assert.ok(Math.abs(s.f1 - 2 / 3) < 1e-12);
  assert.ok(Math.abs(s.rocAuc - 6.5 / 9) < 1e-12, `AUC ${s.rocAuc}`);
});

test('a silent feature scores 0 and AUC 0.5; AUC is NaN when the predicate never holds', () => {
  const s = detectionScore(Uint8Array.from([1, 0, 0, 1]), new Int32Array(0), new Float32Array(0));
  assert.equal(s.f1, 0);
  assert.equal(s.rocAuc, 0.5);
  assert.ok(Number.isNaN(detectionScore(new Uint8Array(3), Int32Array.from([1]), Float32Array.from([1])).rocAuc));
});
