import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseTag } from '@atlas/migrations';
import { meanCrossEntropy } from './ceLoss.js';
import { storableToken } from './featureRecords.js';
import { extremeIndices } from './logitEffects.js';

test('token text is made storable: control characters become visible escapes, tab and newline stay', () => {
  assert.equal(storableToken('\u0000'), '\\x00');
  assert.equal(storableToken('a\u001fb'), 'a\\x1fb');
  assert.equal(storableToken(' the\n\t'), ' the\n\t');
});

test('Brown tags reduce to their base tag', () => {
  assert.equal(baseTag('np-tl'), 'np');
  assert.equal(baseTag('nn$'), 'nn');
  assert.equal(baseTag('vbd'), 'vbd');
  assert.equal(baseTag('at+nn'), 'at');
});

test('host cross-entropy: uniform logits cost ln(vocab); a confident right guess costs ~0, a wrong one its margin', () => {
  assert.ok(Math.abs(meanCrossEntropy(new Float32Array(2 * 8), Int32Array.from([3, 5]), 8) - Math.log(8)) < 1e-12);
  const logits = Float32Array.from([50, 0, 0, 0, 0, 50]); // two rows of vocab 3
  const ce = meanCrossEntropy(logits, Int32Array.from([0, 1]), 3);
  // Row 0: ~0. Row 1: logsumexp(0, 0, 50) - 0 ≈ 50.
  assert.ok(Math.abs(ce - 25) < 1e-9, `ce ${ce}`);
});

test('extreme indices: the k largest or smallest entries, most extreme first', () => {
  const row = Float32Array.from([0.5, -2, 3, 1, -1, 7, 0]);
  assert.deepEqual(extremeIndices(row, 3, 1), [5, 2, 3]);
  assert.deepEqual(extremeIndices(row, 2, -1), [1, 4]);
  assert.deepEqual(extremeIndices(row, 10, 1).length, 7);
});
