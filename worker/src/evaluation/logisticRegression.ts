// Binary L2-regularised logistic regression, the probe of sparse probing, TPP and absorption (SAEBench fits
// sklearn's LogisticRegression on standardized inputs; this is the same objective). Not a library: the only
// well-used npm one, ml-logistic-regression (mljs), takes just {numSteps, learningRate} — fixed-step gradient
// descent with no L2 term — so its answer is not the optimum of a stated objective, and a probe must be one to
// compare dictionaries. L-BFGS here reaches it in tens of iterations on the sizes used (thousands of rows, up to
// d_in columns).
import { AtlasError } from '../errors.js';

/** A fitted probe in the input's own units: margin(x) = weights · x + intercept; positive predicts the class. */
export interface LogisticProbe {
  /** [d] */
  weights: Float64Array;
  intercept: number;
  iterations: number;
}

export interface LogisticOptions {
  /**
   * λ of the penalty (λ/2)‖β‖² on the standardized coefficients, against the summed log-loss: sklearn's C = 1/λ
   * (default 1, sklearn's default C). The intercept is not penalised.
   */
  l2?: number;
  /** Default 100, sklearn's max_iter. */
  maxIterations?: number;
  /**
   * Stop when the gradient's largest entry is below this, in mean-loss units (default 1e-4, the tol sklearn's
   * lbfgs solver stops at; the summed-loss gradient is compared against tolerance × n).
   */
  gradientTolerance?: number;
}

/**
 * Fit on x [n, d] row-major with labels y [n] (1 = the class, 0 = not). Columns are standardized (population
 * standard deviation; a constant column gets weight 0) and the coefficients returned in the input's units.
 */
export function fitLogistic(
  x: ArrayLike<number>,
  n: number,
  d: number,
  y: ArrayLike<number>,
  o: LogisticOptions = {},
): LogisticProbe {
  if (x.length !== n * d)
    throw new AtlasError('ARGUMENT_INVALID', `logistic regression: x has ${x.length} values, expected n·d = ${n * d}`);
  if (y.length !== n)
    throw new AtlasError('ARGUMENT_INVALID', `logistic regression: y has ${y.length} labels for ${n} rows`);
  const l2 = o.l2 ?? 1;
  if (!(l2 > 0)) throw new AtlasError('ARGUMENT_INVALID', `logistic regression: l2 is ${l2}; pass a value > 0`);
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j] += (x[i * d + j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = scale[j] > 1e-24 ? Math.sqrt(scale[j]) : 0;
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) z[i * d + j] = scale[j] > 0 ? (x[i * d + j] - mean[j]) / scale[j] : 0;
  // Parameters: [β_1..β_d, β_0]; labels as ±1.
  const sign = Float64Array.from({ length: n }, (_, i) => (y[i] > 0 ? 1 : -1));
  const p = d + 1;
  const margins = new Float64Array(n);
  const objective = (beta: Float64Array, grad: Float64Array): number => {
    let f = 0;
    for (let j = 0; j < d; j++) {
      f += 0.5 * l2 * beta[j] ** 2;
      grad[j] = l2 * beta[j];
    }
    grad[d] = 0;
    for (let i = 0; i < n; i++) {
      let m = beta[d];
      for (let j = 0; j < d; j++) m += z[i * d + j] * beta[j];
      margins[i] = m;
      const t = sign[i] * m;
      // log(1 + e^{-t}) without overflow, and its derivative −s·σ(−t).
      f += t > 0 ? Math.log1p(Math.exp(-t)) : -t + Math.log1p(Math.exp(t));
      const g = -sign[i] / (1 + Math.exp(t));
      for (let j = 0; j < d; j++) grad[j] += g * z[i * d + j];
      grad[d] += g;
    }
    return f;
  };
  const { solution, iterations } = lbfgs(objective, p, o.maxIterations ?? 100, (o.gradientTolerance ?? 1e-4) * n);
  const weights = new Float64Array(d);
  let intercept = solution[d];
  for (let j = 0; j < d; j++) {
    if (scale[j] === 0) continue;
    weights[j] = solution[j] / scale[j];
    intercept -= weights[j] * mean[j];
  }
  return { weights, intercept, iterations };
}

/** Margins w·x + b of rows x [n, d]. */
export function probeMargins(probe: LogisticProbe, x: ArrayLike<number>, n: number): Float64Array {
  const d = probe.weights.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = probe.intercept;
    for (let j = 0; j < d; j++) m += probe.weights[j] * x[i * d + j];
    out[i] = m;
  }
  return out;
}

/** Fraction of rows whose predicted class (margin > 0) is y. */
export function probeAccuracy(probe: LogisticProbe, x: ArrayLike<number>, n: number, y: ArrayLike<number>): number {
  const m = probeMargins(probe, x, n);
  let right = 0;
  for (let i = 0; i < n; i++) if (m[i] > 0 === y[i] > 0) right++;
  return n === 0 ? NaN : right / n;
}

/** Minimise a smooth convex f by L-BFGS (memory 10) with a backtracking Armijo line search. */
function lbfgs(
  f: (x: Float64Array, grad: Float64Array) => number,
  p: number,
  maxIterations: number,
  tolerance: number,
): { solution: Float64Array; iterations: number } {
  const memory = 10;
  let x = new Float64Array(p);
  let g = new Float64Array(p);
  let fx = f(x, g);
  const s: Float64Array[] = [];
  const yv: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(p);
  const alpha = new Float64Array(memory);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let gMax = 0;
    for (let j = 0; j < p; j++) gMax = Math.max(gMax, Math.abs(g[j]));
    if (gMax < tolerance) break;
    // Two-loop recursion: dir = −H g.
    for (let j = 0; j < p; j++) dir[j] = -g[j];
    for (let m = s.length - 1; m >= 0; m--) {
      alpha[m] = rho[m] * dot(s[m], dir);
      for (let j = 0; j < p; j++) dir[j] -= alpha[m] * yv[m][j];
    }
    const gamma = s.length ? dot(s[s.length - 1], yv[yv.length - 1]) / dot(yv[yv.length - 1], yv[yv.length - 1]) : 1;
    for (let j = 0; j < p; j++) dir[j] *= gamma;
    for (let m = 0; m < s.length; m++) {
      const beta = rho[m] * dot(yv[m], dir);
      for (let j = 0; j < p; j++) dir[j] += (alpha[m] - beta) * s[m][j];
    }
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (curvature lost to rounding): restart from the gradient.
      s.length = yv.length = rho.length = 0;
      for (let j = 0; j < p; j++) dir[j] = -g[j];
      slope = dot(g, dir);
    }
    let step = s.length ? 1 : 1 / Math.max(1, Math.sqrt(-slope));
    const next = new Float64Array(p);
    const gNext = new Float64Array(p);
    let fNext = fx;
    for (let tries = 0; tries < 60; tries++) {
      for (let j = 0; j < p; j++) next[j] = x[j] + step * dir[j];
      fNext = f(next, gNext);
      if (fNext <= fx + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fNext <= fx)) break; // no progress possible at float precision
    const sk = new Float64Array(p);
    const yk = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      sk[j] = next[j] - x[j];
      yk[j] = gNext[j] - g[j];
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      if (s.length === memory) {
        s.shift();
        yv.shift();
        rho.shift();
      }
      s.push(sk);
      yv.push(yk);
      rho.push(1 / sy);
    }
    x = next;
    g = gNext;
    fx = fNext;
  }
  return { solution: x, iterations };
}

function dot(a: Float64Array, b: Float64Array): number {
  let t = 0;
  for (let j = 0; j < a.length; j++) t += a[j] * b[j];
  return t;
}
