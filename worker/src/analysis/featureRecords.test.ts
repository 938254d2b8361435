import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storableTokenText } from './featureRecords.js';

test('storableTokenText: control characters escaped; ids past the tokenizer (a padded unembedding) named by number', () => {
  const decoded: number[] = [];
  const tokenizer = {
    vocabSize: 3,
    tokenText: (id: number) => {
      if (id >= 3) throw new RangeError(`id ${id} outside vocabulary`);
      decoded.push(id);
      return ['a', '\u0000', 'tab\there'][id];
    },
  };
  const text = storableTokenText(tokenizer);
  assert.deepEqual([0, 1, 2, 3, 50303, 1].map(text), ['a', '\\x00', 'tab\there', '<3>', '<50303>', '\\x00']);
  assert.deepEqual(decoded, [0, 1, 2], 'each id decoded once');
});
