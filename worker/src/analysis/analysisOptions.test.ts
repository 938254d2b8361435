import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultBatchWindows } from './analysisOptions.js';

test('default batch: 32 windows up to context 128, then at most 4,096 rows, never none', () => {
  assert.deepEqual([64, 128, 1024, 2048, 3000, 8192].map(defaultBatchWindows), [32, 32, 4, 2, 1, 1]);
});
