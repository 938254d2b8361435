// Live text analysis's pure parts: the tint of each token and the grouping of a token's features.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupByDictionary, tokenPeaks } from './text-analysis';

const f = (dictionaryId: string, index: number, activation: number) => ({ dictionaryId, index, activation });

test('each token is tinted by its strongest feature; the scale is the strongest in the text', () => {
  const { peaks, scale } = tokenPeaks([
    { position: 0, text: 'The', features: [] },
    { position: 1, text: ' cat', features: [f('1', 4, 2.5), f('2', 9, 7)] },
    { position: 2, text: ' sat', features: [f('1', 3, 1)] },
  ]);
  assert.deepEqual(peaks, [0, 7, 1]);
  assert.equal(scale, 7);
  assert.deepEqual(tokenPeaks([]), { peaks: [], scale: 0 });
});

test('features at a token group by dictionary, strongest dictionary and feature first', () => {
  const groups = groupByDictionary([f('2', 9, 7), f('1', 4, 2.5), f('2', 1, 3), f('1', 8, 4)]);
  assert.deepEqual(
    groups.map((g) => [g.dictionaryId, g.features.map((x) => x.index)]),
    [
      ['2', [9, 1]],
      ['1', [8, 4]],
    ],
  );
});
