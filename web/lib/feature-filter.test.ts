// The feature table's percentage fields: fractions, or a message that names the bad field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePercent } from './feature-filter';

test('a percentage field: empty is no condition, numbers become fractions', () => {
  assert.deepEqual(parsePercent('density ≥ %', undefined), {});
  assert.deepEqual(parsePercent('density ≥ %', '  '), {});
  assert.deepEqual(parsePercent('density ≥ %', '5'), { fraction: 0.05 });
  assert.deepEqual(parsePercent('density ≥ %', ' 0.5 '), { fraction: 0.005 });
  assert.deepEqual(parsePercent('density ≥ %', '.25'), { fraction: 0.0025 });
  assert.deepEqual(parsePercent('density ≥ %', '100'), { fraction: 1 });
});

test('a value that is not a percentage gets a message naming the field, never a silent drop', () => {
  for (const bad of ['abc', '5%', '1e2', '0x10', '1,5', 'Infinity', 'NaN', '1.2.3', '--1'])
    assert.match(
      parsePercent('density ≤ %', bad).error ?? '',
      new RegExp(`^density ≤ %: "${bad.replace(/[.+]/g, '\\$&')}" is not a number; enter a percentage from 0 to 100`),
      bad,
    );
  assert.equal(parsePercent('density ≤ %', 'abc').fraction, undefined);
  assert.match(parsePercent('density ≥ %', '250').error ?? '', /^density ≥ %: 250 is outside 0 to 100/);
  assert.match(parsePercent('density ≥ %', '-1').error ?? '', /^density ≥ %: -1 is outside 0 to 100/);
});
