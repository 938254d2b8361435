// The fast CPU backend: onnxruntime-node runs the dense encoder (Gemm + TopK on all cores); hand-assembled
// WebAssembly SIMD kernels run the sparse parts (decode from k latents, its gradient, the encoder gradient)
// and Adam on all cores (helper threads over a shared WebAssembly memory, see threads.ts).
import { availableParallelism } from 'node:os';
import { AtlasError } from '../../../errors.js';
import type { Backend, BackendName, BackendOptions, Residual } from '../../backend.js';
import {
  adamScalars,
  adamStepImpl,
  adamStepUnitRowsImpl,
  centerImpl,
  check,
  reconstructImpl,
  residualImpl,
  sparseDecodeImpl,
  sparseRowDotsImpl,
  sparseScatterRowsImpl,
} from '../reference.js';
import { Arena } from './arena.js';
import { createDenseSessions, type DenseKernels } from './matmul.js';
import { instantiateKernels, type SimdKernels } from './simd.js';
import { groupByLatent, OP } from './sparseLoops.js';
import { SparsePool } from './threads.js';

/** The sparse kernels in WebAssembly SIMD around any dense kernels (onnxruntime here, tfjs in ../tfjs.ts). */
export function createSimdBackend(
  name: BackendName,
  description: string,
  arena: Arena,
  pool: SparsePool,
  dense: DenseKernels,
): Backend {
  /** The threaded path applies when the row matrices are in the arena (SIMD on whole 8-float blocks, JS for the rest). */
  const fast = (_dIn: number, ...arrays: Float32Array[]): boolean => arrays.every((a) => arena.owns(a));

  const at = (a: Float32Array | Int32Array): number => a.byteOffset / 4;

  /** Zeroed per-share partial sums of the loss pass (layout in sparseLoops.ts). */
  const partials = (dIn: number): Float32Array => {
    const sums = arena.scratchF32('residual', (pool.helpers + 1) * (2 * dIn + 4));
    sums.fill(0);
    return sums;
  };

  const sumPartials = (partials: Float32Array, dIn: number): Residual => {
    const parts = pool.helpers + 1;
    const stride = 2 * dIn + 4;
    // Per-share sums are float32 over at most n/parts rows; they are combined here in float64.
    const out: Residual = { sse: 0, sumSq: 0, sum: new Float64Array(dIn), errSum: new Float64Array(dIn) };
    for (let i = 0; i < parts; i++) {
      const o = i * stride;
      out.sse += partials[o];
      out.sumSq += partials[o + 1];
      for (let p = 0; p < dIn; p++) {
        out.sum[p] += partials[o + 4 + p];
        out.errSum[p] += partials[o + 4 + dIn + p];
      }
    }
    return out;
  };

  return {
    name,
    description,

    alloc(length) {
      return arena.alloc(length);
    },

    async matmulT(a, bT, bias, m, kd, n) {
      check.matmulT(a, bT, bias, m, kd, n);
      return dense.matmulT(a, bT, bias, m, kd, n);
    },

    async matmul(a, b, transA, m, kd, n) {
      check.matmul(a, b, transA, m, kd, n);
      return dense.matmul(a, b, transA, m, kd, n);
    },

    async encodeTopK(x, wT, bias, m, kd, n, k) {
      check.encodeTopK(x, wT, bias, m, kd, n, k);
      return dense.encodeTopK(x, wT, bias, m, kd, n, k);
    },

    sparseDecode(codes, w, bias, dIn, out) {
      check.codes('sparseDecode', codes.indices, codes.n, codes.width, out, dIn, -1, w);
      if (!fast(dIn, w, out)) return sparseDecodeImpl(codes, w, bias, dIn, out);
      const { n, width } = codes;
      const idx = arena.inArenaI32('idx', codes.indices.subarray(0, n * width));
      const val = arena.inArenaF32('val', codes.values.subarray(0, n * width));
      const b = bias ? at(arena.inArenaF32('bias', bias.subarray(0, dIn))) : -1;
      pool.run(OP.decode, pool.split(n), [at(idx), at(val), width, at(w), b, at(out), dIn]);
    },

    sparseRowDots(indices, n, width, g, w, dIn, out) {
      check.codes('sparseRowDots', indices, n, width, g, dIn, -1, w);
      if (!fast(dIn, g, w)) return sparseRowDotsImpl(indices, n, width, g, w, dIn, out);
      const idx = arena.inArenaI32('idx', indices.subarray(0, n * width));
      const res = arena.owns(out) ? out : arena.scratchF32('dots', n * width);
      pool.run(OP.rowDots, pool.split(n), [at(idx), width, at(g), at(w), at(res), dIn]);
      if (res !== out) out.set(res);
    },

    sparseScatterRows(indices, coef, n, width, src, dIn, grad) {
      check.codes('sparseScatterRows', indices, n, width, src, dIn, -1, grad);
      if (!fast(dIn, src, grad)) return sparseScatterRowsImpl(indices, coef, n, width, src, dIn, grad);
      const latents = grad.length / dIn;
      const start = arena.scratchI32('start', latents + 1);
      const tok = arena.scratchI32('tok', n * width);
      const sorted = arena.scratchF32('sorted', n * width);
      groupByLatent(indices, coef, n, width, latents, start, tok, sorted);
      // Shares are latent ranges, so no two threads ever add into the same gradient row.
      pool.run(OP.scatter, pool.split(latents), [at(start), at(tok), at(sorted), at(src), at(grad), dIn]);
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
      if (!fast(dIn, x, out)) return centerImpl(x, shift, n, dIn, out);
      const s = arena.inArenaF32('shift', shift.subarray(0, dIn));
      pool.run(OP.center, pool.split(n), [at(out), at(x), at(s), dIn]);
    },

    residual(err, x, n, dIn, scale) {
      check.rows('residual', n, dIn, [
        ['err', err],
        ['x', x],
      ]);
      if (!fast(dIn, err, x)) return residualImpl(err, x, n, dIn, scale);
      const parts = partials(dIn);
      pool.run(OP.residual, pool.split(n), [at(err), at(x), scale, at(parts), dIn]);
      return sumPartials(parts, dIn);
    },

    reconstruct(codes, w, bias, x, dIn, scale, err, dots) {
      check.reconstruct(codes, w, bias, x, dIn, err, dots);
      if (!fast(dIn, w, x, err)) return reconstructImpl(codes, w, bias, x, dIn, scale, err, dots);
      const { n, width } = codes;
      const idx = arena.inArenaI32('idx', codes.indices.subarray(0, n * width));
      const val = arena.inArenaF32('val', codes.values.subarray(0, n * width));
      const b = bias ? at(arena.inArenaF32('bias', bias.subarray(0, dIn))) : -1;
      const res = arena.owns(dots) ? dots : arena.scratchF32('dots', n * width);
      const parts = partials(dIn);
      pool.run(OP.reconstruct, pool.split(n), [
        at(idx),
        at(val),
        width,
        at(w),
        b,
        at(x),
        at(err),
        at(res),
        scale,
        at(parts),
        dIn,
      ]);
      if (res !== dots) dots.set(res);
      return sumPartials(parts, dIn);
    },

    adamStep(param, grad, m, v, step) {
      check.adam(param, grad, m, v);
      if (!fast(8, param, grad, m, v)) return adamStepImpl(param, grad, m, v, step);
      const { lr, eps } = adamScalars(step);
      const body = param.length - (param.length % 4);
      const shares = body >= 1 << 16 ? pool.split(body, 4) : [[0, body] as [number, number]];
      pool.run(OP.adam, shares, [at(param), at(grad), at(m), at(v), lr, step.beta1, step.beta2, eps]);
      if (body < param.length)
        adamStepImpl(param.subarray(body), grad.subarray(body), m.subarray(body), v.subarray(body), step);
    },

    adamStepUnitRows(param, grad, m, v, step, dIn) {
      check.adam(param, grad, m, v);
      check.unitRows(param, dIn);
      // One visit per row does the projection, the step and the renormalisation while the row is in L1.
      if (dIn % 8 !== 0 || !fast(dIn, param, grad, m, v)) return adamStepUnitRowsImpl(param, grad, m, v, step, dIn);
      const { lr, eps } = adamScalars(step);
      pool.run(OP.adamUnitRows, pool.split(param.length / dIn), [
        at(param),
        at(grad),
        at(m),
        at(v),
        lr,
        step.beta1,
        step.beta2,
        eps,
        dIn,
      ]);
    },

    dispose() {
      dense.dispose();
      pool.dispose();
    },
  };
}

/** An arena with the SIMD kernels and `threads - 1` helper threads; BACKEND_UNAVAILABLE without WebAssembly SIMD. */
export function createSimdPool(threads: number): { arena: Arena; pool: SparsePool } {
  const helpers = Math.max(0, threads - 1);
  const arena = new Arena(helpers > 0);
  let simd: SimdKernels;
  try {
    simd = instantiateKernels(arena.memory, arena.pages, arena.shared);
  } catch (err) {
    throw new AtlasError(
      'BACKEND_UNAVAILABLE',
      `WebAssembly SIMD is unavailable (${(err as Error).message}); use Node >= 20 or --backend reference`,
      { cause: err },
    );
  }
  return { arena, pool: new SparsePool(arena, simd, helpers) };
}

/** The CPU backend; throws BACKEND_UNAVAILABLE when onnxruntime-node or WebAssembly SIMD is missing. */
export async function createBackend(opts: BackendOptions = {}): Promise<Backend> {
  const threads = opts.threads ?? availableParallelism();
  const { arena, pool } = createSimdPool(threads);
  const dense = await createDenseSessions(arena, threads);
  const description = `cpu (onnxruntime-node ${dense.version} GEMM + TopK and WebAssembly SIMD sparse kernels on ${threads} thread${threads === 1 ? '' : 's'})`;
  return createSimdBackend('cpu', description, arena, pool, dense);
}
