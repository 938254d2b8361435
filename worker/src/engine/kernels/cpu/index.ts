// The fast CPU backend: onnxruntime-node runs the dense encoder (Gemm + TopK on all cores); hand-assembled
// WebAssembly SIMD kernels run the sparse parts (decode from k latents, its gradient, the encoder gradient)
// and Adam on all cores (helper threads over a shared WebAssembly memory, see threads.ts).
import { availableParallelism } from 'node:os';
import { AtlasError } from '../../../errors.js';
import type { AdamStep, Backend, BackendName, BackendOptions, Residual, SparseCodes } from '../../backend.js';
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
export class SimdBackend implements Backend {
  constructor(
    readonly name: BackendName,
    readonly description: string,
    private readonly arena: Arena,
    private readonly pool: SparsePool,
    private readonly dense: DenseKernels,
  ) {}

  alloc(length: number): Float32Array {
    return this.arena.alloc(length);
  }

  async matmulT(
    a: Float32Array,
    bT: Float32Array,
    bias: Float32Array | null,
    m: number,
    kd: number,
    n: number,
  ): Promise<Float32Array> {
    check.matmulT(a, bT, bias, m, kd, n);
    return this.dense.matmulT(a, bT, bias, m, kd, n);
  }

  async matmul(
    a: Float32Array,
    b: Float32Array,
    transA: boolean,
    m: number,
    kd: number,
    n: number,
  ): Promise<Float32Array> {
    check.matmul(a, b, transA, m, kd, n);
    return this.dense.matmul(a, b, transA, m, kd, n);
  }

  async encodeTopK(
    x: Float32Array,
    wT: Float32Array,
    bias: Float32Array,
    m: number,
    kd: number,
    n: number,
    k: number,
  ): Promise<SparseCodes> {
    check.encodeTopK(x, wT, bias, m, kd, n, k);
    return this.dense.encodeTopK(x, wT, bias, m, kd, n, k);
  }

  /** The threaded path applies when the row matrices are in the arena (SIMD on whole 8-float blocks, JS for the rest). */
  private fast(_dIn: number, ...arrays: Float32Array[]): boolean {
    return arrays.every((a) => this.arena.owns(a));
  }

  private at(a: Float32Array | Int32Array): number {
    return a.byteOffset / 4;
  }

  sparseDecode(codes: SparseCodes, w: Float32Array, bias: Float32Array | null, dIn: number, out: Float32Array): void {
    check.codes('sparseDecode', codes.indices, codes.n, codes.width, out, dIn, -1, w);
    if (!this.fast(dIn, w, out)) return sparseDecodeImpl(codes, w, bias, dIn, out);
    const { n, width } = codes;
    const idx = this.arena.inArenaI32('idx', codes.indices.subarray(0, n * width));
    const val = this.arena.inArenaF32('val', codes.values.subarray(0, n * width));
    const b = bias ? this.at(this.arena.inArenaF32('bias', bias.subarray(0, dIn))) : -1;
    this.pool.run(OP.decode, this.pool.split(n), [this.at(idx), this.at(val), width, this.at(w), b, this.at(out), dIn]);
  }

  sparseRowDots(
    indices: Int32Array,
    n: number,
    width: number,
    g: Float32Array,
    w: Float32Array,
    dIn: number,
    out: Float32Array,
  ): void {
    check.codes('sparseRowDots', indices, n, width, g, dIn, -1, w);
    if (!this.fast(dIn, g, w)) return sparseRowDotsImpl(indices, n, width, g, w, dIn, out);
    const idx = this.arena.inArenaI32('idx', indices.subarray(0, n * width));
    const res = this.arena.owns(out) ? out : this.arena.scratchF32('dots', n * width);
    this.pool.run(OP.rowDots, this.pool.split(n), [this.at(idx), width, this.at(g), this.at(w), this.at(res), dIn]);
    if (res !== out) out.set(res);
  }

  sparseScatterRows(
    indices: Int32Array,
    coef: Float32Array,
    n: number,
    width: number,
    src: Float32Array,
    dIn: number,
    grad: Float32Array,
  ): void {
    check.codes('sparseScatterRows', indices, n, width, src, dIn, -1, grad);
    if (!this.fast(dIn, src, grad)) return sparseScatterRowsImpl(indices, coef, n, width, src, dIn, grad);
    const latents = grad.length / dIn;
    const start = this.arena.scratchI32('start', latents + 1);
    const tok = this.arena.scratchI32('tok', n * width);
    const sorted = this.arena.scratchF32('sorted', n * width);
    groupByLatent(indices, coef, n, width, latents, start, tok, sorted);
    // Shares are latent ranges, so no two threads ever add into the same gradient row.
    this.pool.run(OP.scatter, this.pool.split(latents), [
      this.at(start),
      this.at(tok),
      this.at(sorted),
      this.at(src),
      this.at(grad),
      dIn,
    ]);
  }

  center(x: Float32Array, shift: Float32Array, n: number, dIn: number, out: Float32Array): void {
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
    if (!this.fast(dIn, x, out)) return centerImpl(x, shift, n, dIn, out);
    const s = this.arena.inArenaF32('shift', shift.subarray(0, dIn));
    this.pool.run(OP.center, this.pool.split(n), [this.at(out), this.at(x), this.at(s), dIn]);
  }

  residual(err: Float32Array, x: Float32Array, n: number, dIn: number, scale: number): Residual {
    check.rows('residual', n, dIn, [
      ['err', err],
      ['x', x],
    ]);
    if (!this.fast(dIn, err, x)) return residualImpl(err, x, n, dIn, scale);
    const partials = this.partials(dIn);
    this.pool.run(OP.residual, this.pool.split(n), [this.at(err), this.at(x), scale, this.at(partials), dIn]);
    return this.sumPartials(partials, dIn);
  }

  reconstruct(
    codes: SparseCodes,
    w: Float32Array,
    bias: Float32Array | null,
    x: Float32Array,
    dIn: number,
    scale: number,
    err: Float32Array,
    dots: Float32Array,
  ): Residual {
    check.reconstruct(codes, w, bias, x, dIn, err, dots);
    if (!this.fast(dIn, w, x, err)) return reconstructImpl(codes, w, bias, x, dIn, scale, err, dots);
    const { n, width } = codes;
    const idx = this.arena.inArenaI32('idx', codes.indices.subarray(0, n * width));
    const val = this.arena.inArenaF32('val', codes.values.subarray(0, n * width));
    const b = bias ? this.at(this.arena.inArenaF32('bias', bias.subarray(0, dIn))) : -1;
    const res = this.arena.owns(dots) ? dots : this.arena.scratchF32('dots', n * width);
    const partials = this.partials(dIn);
    this.pool.run(OP.reconstruct, this.pool.split(n), [
      this.at(idx),
      this.at(val),
      width,
      this.at(w),
      b,
      this.at(x),
      this.at(err),
      this.at(res),
      scale,
      this.at(partials),
      dIn,
    ]);
    if (res !== dots) dots.set(res);
    return this.sumPartials(partials, dIn);
  }

  /** Zeroed per-share partial sums of the loss pass (layout in sparseLoops.ts). */
  private partials(dIn: number): Float32Array {
    const partials = this.arena.scratchF32('residual', (this.pool.helpers + 1) * (2 * dIn + 4));
    partials.fill(0);
    return partials;
  }

  private sumPartials(partials: Float32Array, dIn: number): Residual {
    const parts = this.pool.helpers + 1;
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
  }

  adamStep(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void {
    check.adam(param, grad, m, v);
    if (!this.fast(8, param, grad, m, v)) return adamStepImpl(param, grad, m, v, step);
    const { lr, eps } = adamScalars(step);
    const body = param.length - (param.length % 4);
    const shares = body >= 1 << 16 ? this.pool.split(body, 4) : [[0, body] as [number, number]];
    this.pool.run(OP.adam, shares, [
      this.at(param),
      this.at(grad),
      this.at(m),
      this.at(v),
      lr,
      step.beta1,
      step.beta2,
      eps,
    ]);
    if (body < param.length)
      adamStepImpl(param.subarray(body), grad.subarray(body), m.subarray(body), v.subarray(body), step);
  }

  adamStepUnitRows(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    step: AdamStep,
    dIn: number,
  ): void {
    check.adam(param, grad, m, v);
    check.unitRows(param, dIn);
    // One visit per row does the projection, the step and the renormalisation while the row is in L1.
    if (dIn % 8 !== 0 || !this.fast(dIn, param, grad, m, v)) return adamStepUnitRowsImpl(param, grad, m, v, step, dIn);
    const { lr, eps } = adamScalars(step);
    this.pool.run(OP.adamUnitRows, this.pool.split(param.length / dIn), [
      this.at(param),
      this.at(grad),
      this.at(m),
      this.at(v),
      lr,
      step.beta1,
      step.beta2,
      eps,
      dIn,
    ]);
  }

  dispose(): void {
    this.dense.dispose();
    this.pool.dispose();
  }
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
  return new SimdBackend('cpu', description, arena, pool, dense);
}
