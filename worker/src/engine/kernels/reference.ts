// The oracle: every kernel in plain JavaScript, written for clarity. Other backends are tested against it.
// Signatures come from `Backend` (indexed access types), so each is written once, in backend.ts.
import { assertLength, type AdamStep, type Backend, type SparseCodes } from '../backend.js';
import { AtlasError } from '../../errors.js';

/** A dense kernel of Backend, run synchronously on the host. */
type HostKernel<F extends (...args: never[]) => Promise<unknown>> = (...args: Parameters<F>) => Awaited<ReturnType<F>>;

/** The argument check of a kernel: same arguments, throws ARGUMENT_INVALID or returns. */
type ArgumentCheck<F extends (...args: never[]) => unknown> = (...args: Parameters<F>) => void;

/** `check`: the dense kernels' checks take the kernel's arguments; the shared pieces (codes, rows...) their own. */
type KernelChecks = { [K in 'matmulT' | 'matmul' | 'encodeTopK']: ArgumentCheck<Backend[K]> } & Record<
  string,
  (...args: never[]) => void
>;

/** out[m,n] = a[m,kd] · bT[n,kd]ᵀ + bias[n] */
export const matmulTImpl: HostKernel<Backend['matmulT']> = (a, bT, bias, m, kd, n) => {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const ai = i * kd;
    for (let j = 0; j < n; j++) {
      const bj = j * kd;
      let s = 0;
      for (let p = 0; p < kd; p++) s += a[ai + p] * bT[bj + p];
      out[i * n + j] = s + (bias ? bias[j] : 0);
    }
  }
  return out;
};

/** out[m,n] = op(a)·b, op(a) = a [m,kd] or, with transA, the transpose of a stored [kd,m]. */
export const matmulImpl: HostKernel<Backend['matmul']> = (a, b, transA, m, kd, n) => {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < kd; p++) {
      const av = transA ? a[p * m + i] : a[i * kd + p];
      if (av === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += av * b[p * n + j];
    }
  return out;
};

/** The k largest entries of each row of pre [m, n], relu'd; ties go to the lower index. */
export function topkRowsImpl(pre: Float32Array, m: number, n: number, k: number): SparseCodes {
  const indices = new Int32Array(m * k);
  const values = new Float32Array(m * k);
  const order = new Int32Array(n);
  for (let i = 0; i < m; i++) {
    const row = pre.subarray(i * n, (i + 1) * n);
    for (let j = 0; j < n; j++) order[j] = j;
    order.sort((p, q) => row[q] - row[p] || p - q);
    for (let j = 0; j < k; j++) {
      indices[i * k + j] = order[j];
      values[i * k + j] = Math.max(0, row[order[j]]);
    }
  }
  return { n: m, width: k, indices, values };
}

export const sparseDecodeImpl: Backend['sparseDecode'] = (codes, w, bias, dIn, out) => {
  const { n, width, indices, values } = codes;
  for (let t = 0; t < n; t++) {
    const o = t * dIn;
    for (let p = 0; p < dIn; p++) out[o + p] = bias ? bias[p] : 0;
    for (let j = 0; j < width; j++) {
      const v = values[t * width + j];
      if (v === 0) continue;
      const r = indices[t * width + j] * dIn;
      for (let p = 0; p < dIn; p++) out[o + p] += v * w[r + p];
    }
  }
};

export const sparseRowDotsImpl: Backend['sparseRowDots'] = (indices, n, width, g, w, dIn, out) => {
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < width; j++) {
      const r = indices[t * width + j] * dIn;
      let s = 0;
      for (let p = 0; p < dIn; p++) s += g[t * dIn + p] * w[r + p];
      out[t * width + j] = s;
    }
  }
};

export const sparseScatterRowsImpl: Backend['sparseScatterRows'] = (indices, coef, n, width, src, dIn, grad) => {
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < width; j++) {
      const c = coef[t * width + j];
      if (c === 0) continue;
      const r = indices[t * width + j] * dIn;
      for (let p = 0; p < dIn; p++) grad[r + p] += c * src[t * dIn + p];
    }
  }
};

export const centerImpl: Backend['center'] = (x, shift, n, dIn, out) => {
  for (let t = 0; t < n; t++) for (let p = 0; p < dIn; p++) out[t * dIn + p] = x[t * dIn + p] - shift[p];
};

export const residualImpl: Backend['residual'] = (err, x, n, dIn, scale) => {
  const sum = new Float64Array(dIn);
  const errSum = new Float64Array(dIn);
  let sse = 0;
  let sumSq = 0;
  for (let t = 0; t < n; t++) {
    const o = t * dIn;
    for (let p = 0; p < dIn; p++) {
      const xv = x[o + p];
      const e = err[o + p] - xv;
      sse += e * e;
      sumSq += xv * xv;
      sum[p] += xv;
      const g = (err[o + p] = e * scale);
      errSum[p] += g;
    }
  }
  return { sse, sumSq, sum, errSum };
};

/** Backend.reconstruct as its three parts. */
export const reconstructImpl: Backend['reconstruct'] = (codes, w, bias, x, dIn, scale, err, dots) => {
  sparseDecodeImpl(codes, w, bias, dIn, err);
  const r = residualImpl(err, x, codes.n, dIn, scale);
  sparseRowDotsImpl(codes.indices, codes.n, codes.width, err, w, dIn, dots);
  return r;
};

/** Adam with bias correction folded into the step size and epsilon (Kingma & Ba 2015, end of §2). */
export const adamStepImpl: Backend['adamStep'] = (param, grad, m, v, s) => {
  const { lr, eps } = adamScalars(s);
  const b1 = s.beta1;
  const b2 = s.beta2;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    const mi = (m[i] = b1 * m[i] + (1 - b1) * g);
    const vi = (v[i] = b2 * v[i] + (1 - b2) * g * g);
    param[i] -= (lr * mi) / (Math.sqrt(vi) + eps);
  }
};

/** Backend.adamStepUnitRows: project, step, renormalise. */
export const adamStepUnitRowsImpl: Backend['adamStepUnitRows'] = (param, grad, m, v, s, dIn) => {
  const rows = param.length / dIn;
  for (let l = 0; l < rows; l++) {
    const o = l * dIn;
    let d = 0;
    for (let p = 0; p < dIn; p++) d += grad[o + p] * param[o + p];
    for (let p = 0; p < dIn; p++) grad[o + p] -= d * param[o + p];
  }
  adamStepImpl(param, grad, m, v, s);
  for (let l = 0; l < rows; l++) {
    const o = l * dIn;
    let sq = 0;
    for (let p = 0; p < dIn; p++) sq += param[o + p] * param[o + p];
    const f = sq > 0 ? 1 / Math.sqrt(sq) : 1;
    for (let p = 0; p < dIn; p++) param[o + p] *= f;
  }
};

/** Step size and epsilon with the bias corrections folded in. */
export function adamScalars(s: AdamStep): { lr: number; eps: number } {
  const c1 = 1 - s.beta1 ** s.t;
  const c2 = Math.sqrt(1 - s.beta2 ** s.t);
  return { lr: (s.lr * c2) / c1, eps: s.eps * c2 };
}

/** Argument checks shared by every backend, before any loop runs. */
export const check = {
  matmulT(a, bT, bias, m, kd, n): void {
    assertLength('matmulT', 'a', a, m * kd, `[${m}, ${kd}]`);
    assertLength('matmulT', 'bT', bT, n * kd, `[${n}, ${kd}]`);
    if (bias) assertLength('matmulT', 'bias', bias, n, `[${n}]`);
  },
  matmul(a, b, transA, m, kd, n): void {
    assertLength('matmul', 'a', a, m * kd, transA ? `[${kd}, ${m}]` : `[${m}, ${kd}]`);
    assertLength('matmul', 'b', b, kd * n, `[${kd}, ${n}]`);
  },
  encodeTopK(x, wT, bias, m, kd, n, k): void {
    check.matmulT(x, wT, bias, m, kd, n);
    if (!Number.isInteger(k) || k < 1 || k > n)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `encodeTopK: k=${k} must be an integer in [1, ${n}] (the number of latents)`,
      );
  },
  codes(
    op: string,
    indices: Int32Array,
    n: number,
    width: number,
    rows: Float32Array,
    dIn: number,
    nRows: number,
    other: Float32Array,
  ): void {
    assertLength(op, 'indices', indices, n * width, `[${n}, ${width}]`, false);
    assertLength(op, 'token rows', rows, n * dIn, `[${n}, ${dIn}]`, false);
    if (nRows >= 0) assertLength(op, 'latent rows', other, nRows * dIn, `[${nRows}, ${dIn}]`, false);
    if (other.length % dIn !== 0)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${op}: latent matrix has ${other.length} values, not a whole number of rows of dIn=${dIn}`,
      );
    const latents = other.length / dIn;
    for (let i = 0; i < n * width; i++)
      if (indices[i] < 0 || indices[i] >= latents)
        throw new AtlasError(
          'ARGUMENT_INVALID',
          `${op}: latent index ${indices[i]} at entry ${i} is outside [0, ${latents})`,
        );
  },
  rows(op: string, n: number, dIn: number, arrays: [string, Float32Array][], shift?: Float32Array): void {
    for (const [what, arr] of arrays) assertLength(op, what, arr, n * dIn, `[${n}, ${dIn}]`, false);
    if (shift) assertLength(op, 'shift', shift, dIn, `[${dIn}]`, false);
  },
  reconstruct(
    codes: SparseCodes,
    w: Float32Array,
    bias: Float32Array | null,
    x: Float32Array,
    dIn: number,
    err: Float32Array,
    dots: Float32Array,
  ): void {
    check.codes('reconstruct', codes.indices, codes.n, codes.width, err, dIn, -1, w);
    check.rows('reconstruct', codes.n, dIn, [['x', x]], bias ?? undefined);
    assertLength('reconstruct', 'dots', dots, codes.n * codes.width, `[${codes.n}, ${codes.width}]`, false);
  },
  unitRows(param: Float32Array, dIn: number): void {
    if (!Number.isInteger(dIn) || dIn < 1 || param.length % dIn !== 0)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `adamStepUnitRows: parameter has ${param.length} values, not a whole number of rows of dIn=${dIn}`,
      );
  },
  adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array): void {
    for (const [what, arr] of [
      ['grad', grad],
      ['m', m],
      ['v', v],
    ] as const)
      assertLength('adamStep', what, arr, param.length, `[${param.length}] like the parameter`);
  },
} satisfies KernelChecks;

/** The reference backend: each kernel checks its arguments, then runs its *Impl above. */
export function createBackend(): Backend {
  return {
    name: 'reference',
    description: 'reference (plain JavaScript, one thread)',
    alloc(length) {
      return new Float32Array(length);
    },
    async matmulT(a, bT, bias, m, kd, n) {
      check.matmulT(a, bT, bias, m, kd, n);
      return matmulTImpl(a, bT, bias, m, kd, n);
    },
    async matmul(a, b, transA, m, kd, n) {
      check.matmul(a, b, transA, m, kd, n);
      return matmulImpl(a, b, transA, m, kd, n);
    },
    async encodeTopK(x, wT, bias, m, kd, n, k) {
      check.encodeTopK(x, wT, bias, m, kd, n, k);
      return topkRowsImpl(matmulTImpl(x, wT, bias, m, kd, n), m, n, k);
    },
    sparseDecode(codes, w, bias, dIn, out) {
      check.codes('sparseDecode', codes.indices, codes.n, codes.width, out, dIn, -1, w);
      sparseDecodeImpl(codes, w, bias, dIn, out);
    },
    sparseRowDots(indices, n, width, g, w, dIn, out) {
      check.codes('sparseRowDots', indices, n, width, g, dIn, -1, w);
      sparseRowDotsImpl(indices, n, width, g, w, dIn, out);
    },
    sparseScatterRows(indices, coef, n, width, src, dIn, grad) {
      check.codes('sparseScatterRows', indices, n, width, src, dIn, -1, grad);
      sparseScatterRowsImpl(indices, coef, n, width, src, dIn, grad);
    },
    center(x, shift, n, dIn, out) {
      check.rows(
        'center',
        n,
        dIn,
        [
          ['x', x],
          ['out', out],
        ],
        shift,
      );
      centerImpl(x, shift, n, dIn, out);
    },
    residual(err, x, n, dIn, scale) {
      check.rows('residual', n, dIn, [
        ['err', err],
        ['x', x],
      ]);
      return residualImpl(err, x, n, dIn, scale);
    },
    reconstruct(codes, w, bias, x, dIn, scale, err, dots) {
      check.reconstruct(codes, w, bias, x, dIn, err, dots);
      return reconstructImpl(codes, w, bias, x, dIn, scale, err, dots);
    },
    adamStep(param, grad, m, v, step) {
      check.adam(param, grad, m, v);
      adamStepImpl(param, grad, m, v, step);
    },
    adamStepUnitRows(param, grad, m, v, step, dIn) {
      check.adam(param, grad, m, v);
      check.unitRows(param, dIn);
      adamStepUnitRowsImpl(param, grad, m, v, step, dIn);
    },
    dispose() {},
  };
}
