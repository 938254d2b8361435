import assert from 'node:assert/strict';
import { test } from 'node:test';
import { absorptionFraction, absorptionOnTokens, isFullAbsorption } from './absorption.js';

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

test('per token on a constructed dictionary: not absorbed, fully absorbed, half absorbed', () => {
  // u = e0 (probe weights (2, 0)); decoder rows: 0 = (1, 0) the main latent, 1 = (0.8, 0.6) (cosine 0.8 with u),
  // 2 = (0, 1) (cosine 0). Projections a · cos:
  //   token 1: x (1, 0), main fires 1: main 1 ≥ x·u 1 → 0; a main latent fires → not full.
  //   token 2: x (1, 0.75), latent 1 fires 1.25 (projection 1.0): main 0, absorbers 1.0 ≥ 40% → 1; full
  //            (top latent 1: cosine 0.8 ≥ 0.025, 1.0 / 1 ≥ 0.4, main silent).
  //   token 3: x (1, 0.375), main 0.5 and latent 1 0.625 (projection 0.5): absorbed min(0.5, 1 − 0.5) = 0.5,
  //            0.5 / (0.5 + 0.5) = 0.5; main fires → not full.
  const wDec = Float32Array.from([1, 0, 0.8, 0.6, 0, 1]);
  const x = [1, 0, 1, 0.75, 1, 0.375];
  const f = [1, 0, 0, 0, 1.25, 0, 0.5, 0.625, 0];
  // The decoder is float32 (0.8 is 0.800000011…): fractions agree to 1e-6.
  const r = absorptionOnTokens([2, 0], x, f, 3, wDec, [0]);
  assert.deepEqual(r.full, [false, true, false]);
  assert.equal(r.fraction[0], 0);
  assert.ok(Math.abs(r.fraction[1] - 1) < 1e-6 && Math.abs(r.fraction[2] - 0.5) < 1e-6, `${r.fraction}`);
});
