import assert from 'node:assert/strict';
import { test } from 'node:test';
import { absorptionFraction, isFullAbsorption } from './absorption.js';

// Each case computed by hand from SAEBench's formula (feature_absorption_calculator.py), probe projection 1.
test('main latents carry the whole projection: fraction 0', () => {
  assert.equal(absorptionFraction(1, 1.2, [0.9]), 0);
});

test('absorbers carry less than 40% of the projection: fraction 0', () => {
  // top 3 absorbers: 0.2 + 0.1 + 0.05 = 0.35 < 0.4 (the 0.01 is the 4th and left out)
  assert.equal(absorptionFraction(1, 0.1, [0.05, 0.2, 0.01, 0.1]), 0);
});

test('main latents silent (projection ≤ 0) and absorbers carry enough: fraction 1', () => {
  assert.equal(absorptionFraction(1, 0, [0.5]), 1);
  assert.equal(absorptionFraction(1, -0.2, [0.3, 0.2]), 1);
});

test('partial absorption: absorbed / (absorbed + main)', () => {
  // main 0.4, absorbers 0.3 + 0.2 = 0.5; unaccounted 1 − 0.4 = 0.6, absorbed min(0.5, 0.6) = 0.5; 0.5 / 0.9
  assert.ok(Math.abs(absorptionFraction(1, 0.4, [0.3, 0.2]) - 0.5 / 0.9) < 1e-12);
  // absorbers exceed what is unaccounted: absorbed = 1 − 0.5 = 0.5; 0.5 / (0.5 + 0.5)
  assert.ok(Math.abs(absorptionFraction(1, 0.5, [0.4, 0.4, 0.4]) - 0.5) < 1e-12);
});

test('full absorption needs silent main latents, an aligned top latent and 40% of the projection', () => {
  const top = { latent: 3, activation: 2, cosine: 0.3 }; // projection 0.6
  assert.equal(isFullAbsorption(1, [0, 0], top), true);
  assert.equal(isFullAbsorption(1, [0.5, 0], top), false);
  assert.equal(isFullAbsorption(1, [0], { latent: 3, activation: 100, cosine: 0.02 }), false);
  assert.equal(isFullAbsorption(1, [0], { latent: 3, activation: 1, cosine: 0.3 }), false); // 0.3 < 0.4
  assert.equal(isFullAbsorption(-1, [0], top), false);
});
