import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseTag, storableToken } from './analyzeDictionary.js';

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
