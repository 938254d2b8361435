// Where running text of tokens may break a line: between words, never inside one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startsWord } from './tint';

test('lines break at whitespace between tokens, never between the subword tokens of one word', () => {
  assert.equal(startsWord(' gover', 'nor'), false);
  assert.equal(startsWord('nor', ','), false);
  assert.equal(startsWord(',', ' said'), true);
  assert.equal(startsWord('said', '\n'), true);
  assert.equal(startsWord('\n', 'The'), true);
  assert.equal(startsWord('end ', 'next'), true);
});
