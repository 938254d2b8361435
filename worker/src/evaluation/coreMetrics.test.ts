import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromDense } from '../inference/csrCodes.js';
import { CoreAccumulator } from './coreMetrics.js';

test('hand-computed FVU, MSE, L0, cosine and firing fractions on two batches', () => {
  // x rows (1,0), (3,0), (1,2), (3,2): column means (2,1), total variance 4·(1 + 1) = 8.
  // Reconstructions (1,0), (3,0), (1,0), (3,0): squared error 4 + 4 = 8, so FVU 1, MSE 8 / 8 = 1.
  // Cosines 1, 1, 1/√5, 3/√13. Codes over 3 latents: latent 0 fires on all 4 tokens (dense), 1 once, 2 never.
  const acc = new CoreAccumulator(2, 3);
  acc.observe(
    Float32Array.from([1, 0, 3, 0]),
    Float32Array.from([1, 0, 3, 0]),
    fromDense(Float32Array.from([1, 2, 0, 1, 0, 0]), 3),
  );
  acc.observe(
    Float32Array.from([1, 2, 3, 2]),
    Float32Array.from([1, 0, 3, 0]),
    fromDense(Float32Array.from([1, 0, 0, 1, 0, 0]), 3),
  );
  const m = acc.finish();
  assert.ok(Math.abs(m.fvu - 1) < 1e-12 && Math.abs(m.explainedVariance) < 1e-12);
  assert.equal(m.mse, 1);
  assert.equal(m.l0, 5 / 4);
  assert.ok(Math.abs(m.cossim - (2 + 1 / Math.sqrt(5) + 3 / Math.sqrt(13)) / 4) < 1e-9);
  assert.equal(m.deadFraction, 1 / 3);
  // latent 1 fires on 1 of 4 tokens (0.25 > 0.1): dense too.
  assert.equal(m.denseFraction, 2 / 3);
});
