// How a token and its activation are drawn: the tint, the text colour on it, the shown value and token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayToken, formatActivation, tint, tintText } from './tint';

test('tint grows with activation, is clear at zero and never exceeds full strength', () => {
  assert.equal(tint(0, 5), 'transparent');
  assert.equal(tint(-1, 5), 'transparent');
  assert.equal(tint(1, 0), 'transparent');
  assert.equal(tint(5, 5), 'rgba(230, 97, 0, 0.850)');
  assert.equal(tint(50, 5), 'rgba(230, 97, 0, 0.850)');
  assert.equal(tint(2.5, 5), 'rgba(230, 97, 0, 0.465)');
  assert.equal(tintText(4, 5), '#fff');
  assert.equal(tintText(1, 5), 'inherit');
});

test('activations and tokens are shown the way a reader expects', () => {
  assert.equal(formatActivation(12.3456), '12.3');
  assert.equal(formatActivation(0.000012), '1.20e-5');
  assert.equal(formatActivation(0), '0');
  assert.equal(displayToken(' the'), '\u00a0the');
  assert.equal(displayToken('\n'), '↵');
});
