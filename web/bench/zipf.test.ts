// The bench's Zipf draw: frequencies follow 1/r^s, the generator is reproducible, bad parameters name themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededUniform, zipfSampler } from './zipf';

test('rank frequencies follow 1/r^s (s = 1.1 over 100 items)', () => {
  const n = 100;
  const draw = zipfSampler(n, 1.1, seededUniform(7));
  const counts = new Array<number>(n).fill(0);
  const draws = 200_000;
  for (let k = 0; k < draws; k++) counts[draw()]++;
  // Expected shares from the definition, computed here independently of the sampler's table.
  let h = 0;
  for (let r = 1; r <= n; r++) h += r ** -1.1;
  for (const r of [1, 2, 10, 100]) {
    const expected = r ** -1.1 / h;
    const seen = counts[r - 1] / draws;
    assert.ok(Math.abs(seen - expected) < 0.1 * expected + 0.0005, `rank ${r}: ${seen} vs ${expected}`);
  }
  // The head dominates: rank 1 about 2^1.1 ≈ 2.14 times rank 2.
  assert.ok(counts[0] / counts[1] > 1.9 && counts[0] / counts[1] < 2.4);
});

test('the same seed draws the same sequence; a different one does not', () => {
  const a = zipfSampler(1000, 1.1, seededUniform(1));
  const b = zipfSampler(1000, 1.1, seededUniform(1));
  const c = zipfSampler(1000, 1.1, seededUniform(2));
  const seqA = Array.from({ length: 50 }, a);
  assert.deepEqual(Array.from({ length: 50 }, b), seqA);
  assert.notDeepEqual(Array.from({ length: 50 }, c), seqA);
  assert.ok(seqA.every((r) => Number.isInteger(r) && r >= 0 && r < 1000));
});

test('one item is always drawn; bad parameters are refused, naming them', () => {
  const one = zipfSampler(1, 1.1, seededUniform(3));
  assert.deepEqual([one(), one(), one()], [0, 0, 0]);
  assert.throws(() => zipfSampler(0, 1.1, Math.random), /n, an integer >= 1 \(got 0\)/);
  assert.throws(() => zipfSampler(10, 0, Math.random), /exponent s > 0 \(got 0\)/);
});
