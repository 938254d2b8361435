// A job's progress as a person reads it: ETA, rate, fraction, and which states are live.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEta, formatFraction, formatRate, isLive } from './progress';

test('ETA reads as the two largest units and is a dash when unknown', () => {
  assert.equal(formatEta(42.4), '42 s');
  assert.equal(formatEta(59.6), '1 min 00 s');
  assert.equal(formatEta(200), '3 min 20 s');
  assert.equal(formatEta(3600 + 5 * 60 + 59), '1 h 05 min');
  assert.equal(formatEta(26 * 3600), '26 h 00 min');
  assert.equal(formatEta(null), '—');
  assert.equal(formatEta(undefined), '—');
  assert.equal(formatEta(-1), '—');
  assert.equal(formatEta(Number.POSITIVE_INFINITY), '—');
});

test('rates get SI prefixes and the unit the job reports', () => {
  assert.equal(formatRate(12_345, 'tokens'), '12.3k tokens/s');
  assert.equal(formatRate(2_500_000, 'tokens'), '2.5M tokens/s');
  assert.equal(formatRate(42.4, 'features'), '42 features/s');
  assert.equal(formatRate(0.123, null), '0.12 units/s');
  assert.equal(formatRate(null, 'tokens'), '—');
});

test('fractions clamp to 0-100 % and only queued or running jobs are live', () => {
  assert.equal(formatFraction(0.456), '46%');
  assert.equal(formatFraction(1.02), '100%');
  assert.equal(formatFraction(-0.1), '0%');
  assert.deepEqual(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map(isLive), [
    true,
    true,
    false,
    false,
    false,
  ]);
});
