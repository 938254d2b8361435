import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AtlasError } from '../errors.js';
import { fitLogistic, probeAccuracy } from './logisticRegression.js';

// prettier-ignore
const X = [
  [0.5, 1.2, -0.3], [1.5, -0.4, 0.8], [-0.7, 0.3, 1.1], [2.1, 0.9, -1.2], [0.1, -1.5, 0.4], [1.8, 1.1, 0.2],
  [-1.2, 0.6, -0.9], [0.9, -0.8, 1.6], [-0.4, 1.9, 0.7], [1.1, 0.2, -0.5], [-1.6, -0.7, 0.3], [0.3, 0.5, -1.4],
];
const Y = [1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0];

test('coefficients match scipy on a fixed problem within 1e-3', () => {
  // Reference from scipy 1.17.1 (numpy BFGS to gtol 1e-10; final max |gradient| 1.4e-11), this script:
  //   import numpy as np; from scipy.optimize import minimize
  //   X = np.array(<X above>); y = np.array(<Y above>); lam = 0.5
  //   mu = X.mean(0); sd = X.std(0); Z = (X - mu) / sd; s = 2*y - 1
  //   f = lambda b: np.logaddexp(0, -s*(Z @ b[:3] + b[3])).sum() + 0.5*lam*(b[:3]**2).sum()
  //   def g(b): m = Z @ b[:3] + b[3]; r = -s / (1 + np.exp(s*m)); return np.concatenate([Z.T @ r + lam*b[:3], [r.sum()]])
  //   res = minimize(f, np.zeros(4), jac=g, method='BFGS', options={'gtol': 1e-10})
  //   w = res.x[:3] / sd; b = res.x[3] - (w*mu).sum()
  const expected = { weights: [1.90349307, 0.25157174, 0.36619516], intercept: -0.8703511167407996 };
  const fit = fitLogistic(X.flat(), 12, 3, Y, { l2: 0.5, gradientTolerance: 1e-10, maxIterations: 1000 });
  fit.weights.forEach((w, j) => assert.ok(Math.abs(w - expected.weights[j]) < 1e-3, `w[${j}] = ${w}`));
  assert.ok(Math.abs(fit.intercept - expected.intercept) < 1e-3, `intercept ${fit.intercept}`);
});

test('separable data stays finite under the penalty and is classified exactly', () => {
  const x = [-2, -1, -0.5, 0.5, 1, 2];
  const y = [0, 0, 0, 1, 1, 1];
  const fit = fitLogistic(x, 6, 1, y);
  assert.ok(Number.isFinite(fit.weights[0]) && fit.weights[0] > 0);
  assert.equal(probeAccuracy(fit, x, 6, y), 1);
});

test('a constant column gets weight 0; a wrong shape names the argument', () => {
  const fit = fitLogistic([1, 3, 1, -2, 1, 4, 1, -1], 4, 2, [1, 0, 1, 0]);
  assert.equal(fit.weights[0], 0);
  assert.throws(
    () => fitLogistic([1, 2, 3], 2, 2, [0, 1]),
    (e: unknown) => e instanceof AtlasError && /x has 3 values, expected n·d = 4/.test(e.message),
  );
});
