import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { densitySummary, FiringTracker, geometricMedian, mmcs } from './metrics.js';

describe('metrics', () => {
  it('MMCS is 1 for a permuted, rescaled copy and the mean best cosine otherwise', () => {
    const truth = Float32Array.of(1, 0, 0, 1);
    assert.ok(Math.abs(mmcs(truth, 2, Float32Array.of(0, 3, 2, 0, 1, 1), 3, 2) - 1) < 1e-6);
    // Only one direction learned, at 45° to both true features.
    assert.ok(Math.abs(mmcs(truth, 2, Float32Array.of(1, 1), 1, 2) - Math.SQRT1_2) < 1e-6);
  });

  it('the geometric median ignores an outlier that drags the mean', () => {
    const rows = Float32Array.of(0, 0, 1, 0, 0, 1, 1, 1, 100, 100);
    const m = geometricMedian(rows, 5, 2);
    assert.ok(m[0] < 1 && m[1] < 1, `median ${[...m]} stays near the cluster (mean is 20.4)`);
  });

  it('tracks dead latents over a token window and densities over the last full window', () => {
    const t = new FiringTracker(3, 4);
    // 2 tokens × width 1: latent 0 fires twice.
    t.record(Int32Array.of(0, 0), Float32Array.of(1, 2), 2, 1);
    assert.equal(t.deadFraction(), 0, 'nothing is dead before a full window');
    t.record(Int32Array.of(1, 0), Float32Array.of(1, 0), 2, 1);
    assert.deepEqual([...t.deadMask()], [0, 0, 1]);
    assert.deepEqual([...t.density()], [0.5, 0.25, 0]);
    const s = densitySummary(t.density());
    assert.equal(s.denseFraction, 2 / 3);
    assert.equal(s.logDensityHistogram.zero, 1);
    assert.equal(
      s.logDensityHistogram.counts.reduce((a, b) => a + b, 0),
      2,
    );
  });
});
