import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bigramCrossEntropy, countBigrams, tuneAddK } from './bigram.js';

test('add-k bigram probabilities are (c(a,b) + k) / (c(a) + kV), pairs never cross separators', () => {
  const counts = countBigrams([0, 1, 0, 1, 0, 2, -1, 2, 2], 3);
  assert.equal(counts.pairs.get(0 * 3 + 1), 2);
  assert.equal(counts.left[0], 3);
  assert.equal(counts.left[2], 1); // 2 -> -1 and -1 -> 2 do not count
  assert.ok(Math.abs(bigramCrossEntropy(counts, [0], [1], 1) - -Math.log(3 / 6)) < 1e-12);
  assert.ok(Math.abs(bigramCrossEntropy(counts, [1], [2], 0.5) - -Math.log(0.5 / 3.5)) < 1e-12);
});

test('tuning k on held-out pairs never does worse than add-one', () => {
  const stream = Array.from({ length: 5000 }, (_, i) => (i * 7 + (i % 3)) % 50);
  const counts = countBigrams(stream, 50);
  const t = tuneAddK(counts, stream.slice(0, 999), stream.slice(1, 1000));
  assert.ok(t.loss <= t.addOneLoss);
  assert.ok(t.k < 1);
});
