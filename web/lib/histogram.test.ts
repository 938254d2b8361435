// Histograms for charts: bars from stored log-scale edges, and the log-density histogram of a dictionary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramBars, logDensityHistogram } from './histogram';

test('histogram bars trim empty ends and refuse mismatched edges', () => {
  assert.deepEqual(histogramBars([0.1, 1, 10, 100], [0, 3, 0]), [{ label: '1.0', count: 3 }]);
  assert.deepEqual(
    histogramBars([0.1, 1, 10, 100], [2, 0, 4]).map((b) => b.count),
    [2, 0, 4],
  );
  assert.deepEqual(histogramBars([1, 2], [0]), []);
  assert.throws(() => histogramBars([1, 2], [1, 2]), /2 edges for 2 counts/);
});

test('log-density histogram: bins per decade, rarer than the range in the first bin, never-fired apart', () => {
  const { edges, counts, dead } = logDensityHistogram([0, 0.5, 0.05, 0.04, 0.0011, 1e-9, 1], 1, 3);
  assert.deepEqual(edges, [0.001, 0.01, 0.1, 1]);
  // 0.0011 and 1e-9 (clamped) in [1e-3, 1e-2); 0.05 and 0.04 in [1e-2, 1e-1); 0.5 and 1 (clamped) in the last.
  assert.deepEqual(counts, [2, 2, 2]);
  assert.equal(dead, 1);
});
