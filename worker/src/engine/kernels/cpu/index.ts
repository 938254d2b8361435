// The fast CPU backend: onnxruntime-node runs the dense encoder (Gemm + TopK on all cores); hand-assembled
// WebAssembly SIMD kernels run the sparse parts (decode from k latents, its gradient, the encoder gradient)
// and Adam, on arrays that live in one WebAssembly memory shared with onnxruntime without copies.
import { availableParallelism } from 'node:os';
import { AtlasError } from '../../../errors.js';
import type { AdamStep, Backend, BackendName, BackendOptions, SparseCodes } from '../../backend.js';
import {
  adamScalars,
  adamStepImpl,
  check,
  sparseDecodeImpl,
  sparseRowDotsImpl,
  sparseScatterRowsImpl,
} from '../reference.js';
import { Arena } from './arena.js';
import { createDenseSessions, type DenseKernels } from './matmul.js';
import { instantiateKernels, type SimdKernels } from './simd.js';

/** The sparse kernels in WebAssembly SIMD around any dense kernels (onnxruntime here, tfjs in ../tfjs.ts). */
export class SimdBackend implements Backend {
  constructor(
    readonly name: BackendName,
    readonly description: string,
    private readonly arena: Arena,
    private readonly simd: SimdKernels,
    private readonly dense: DenseKernels,
  ) {}

  alloc(length: number): Float32Array {
    return this.arena.alloc(length);
  }

  async matmulT(a: Float32Array, bT: Float32Array, bias: Float32Array | null, m: number, kd: number, n: number): Promise<Float32Array> {
    check.matmulT(a, bT, bias, m, kd, n);
    return this.dense.matmulT(a, bT, bias, m, kd, n);
  }

  async encodeTopK(x: Float32Array, wT: Float32Array, bias: Float32Array, m: number, kd: number, n: number, k: number): Promise<SparseCodes> {
    check.encodeTopK(x, wT, bias, m, kd, n, k);
    return this.dense.encodeTopK(x, wT, bias, m, kd, n, k);
  }

  /** SIMD applies when every row array is in the arena and rows are whole 8-float blocks. */
  private fast(dIn: number, ...arrays: Float32Array[]): boolean {
    return dIn % 8 === 0 && arrays.every((a) => this.arena.owns(a));
  }

  sparseDecode(codes: SparseCodes, w: Float32Array, bias: Float32Array | null, dIn: number, out: Float32Array): void {
    check.codes('sparseDecode', codes.indices, codes.n, codes.width, out, dIn, -1, w);
    if (!this.fast(dIn, w, out)) return sparseDecodeImpl(codes, w, bias, dIn, out);
    const { n, width, indices, values } = codes;
    const { axpy } = this.simd;
    const wBase = w.byteOffset;
    const rowBytes = dIn * 4;
    for (let t = 0; t < n; t++) {
      const o = t * dIn;
      if (bias) out.set(bias.subarray(0, dIn), o);
      else out.fill(0, o, o + dIn);
      const outAddr = out.byteOffset + o * 4;
      const base = t * width;
      for (let j = 0; j < width; j++) {
        const v = values[base + j];
        if (v !== 0) axpy(outAddr, wBase + indices[base + j] * rowBytes, v, dIn);
      }
    }
  }

  sparseRowDots(indices: Int32Array, n: number, width: number, g: Float32Array, w: Float32Array, dIn: number, out: Float32Array): void {
    check.codes('sparseRowDots', indices, n, width, g, dIn, -1, w);
    if (!this.fast(dIn, g, w)) return sparseRowDotsImpl(indices, n, width, g, w, dIn, out);
    const { dot } = this.simd;
    const wBase = w.byteOffset;
    const rowBytes = dIn * 4;
    for (let t = 0; t < n; t++) {
      const gAddr = g.byteOffset + t * rowBytes;
      const base = t * width;
      for (let j = 0; j < width; j++) out[base + j] = dot(gAddr, wBase + indices[base + j] * rowBytes, dIn);
    }
  }

  sparseScatterRows(indices: Int32Array, coef: Float32Array, n: number, width: number, src: Float32Array, dIn: number, grad: Float32Array): void {
    check.codes('sparseScatterRows', indices, n, width, src, dIn, -1, grad);
    if (!this.fast(dIn, src, grad)) return sparseScatterRowsImpl(indices, coef, n, width, src, dIn, grad);
    const { axpy } = this.simd;
    const gBase = grad.byteOffset;
    const rowBytes = dIn * 4;
    for (let t = 0; t < n; t++) {
      const sAddr = src.byteOffset + t * rowBytes;
      const base = t * width;
      for (let j = 0; j < width; j++) {
        const c = coef[base + j];
        if (c !== 0) axpy(gBase + indices[base + j] * rowBytes, sAddr, c, dIn);
      }
    }
  }

  adamStep(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void {
    check.adam(param, grad, m, v);
    if (!this.fast(8, param, grad, m, v)) return adamStepImpl(param, grad, m, v, step);
    const { lr, eps } = adamScalars(step);
    const body = param.length - (param.length % 4);
    this.simd.adam(param.byteOffset, grad.byteOffset, m.byteOffset, v.byteOffset, body, lr, step.beta1, step.beta2, eps);
    if (body < param.length)
      adamStepImpl(param.subarray(body), grad.subarray(body), m.subarray(body), v.subarray(body), step);
  }

  dispose(): void {
    this.dense.dispose();
  }
}

/** An arena with the SIMD kernels over it; throws BACKEND_UNAVAILABLE without WebAssembly SIMD. */
export function createSimdArena(): { arena: Arena; simd: SimdKernels } {
  const arena = new Arena();
  try {
    return { arena, simd: instantiateKernels(arena.memory, arena.pages, false) };
  } catch (err) {
    throw new AtlasError(
      'BACKEND_UNAVAILABLE',
      `WebAssembly SIMD is unavailable (${(err as Error).message}); use Node >= 20 or --backend reference`,
      { cause: err },
    );
  }
}

/** The CPU backend; throws BACKEND_UNAVAILABLE when onnxruntime-node or WebAssembly SIMD is missing. */
export async function createBackend(opts: BackendOptions = {}): Promise<Backend> {
  const threads = opts.threads ?? availableParallelism();
  const { arena, simd } = createSimdArena();
  const dense = await createDenseSessions(arena, threads);
  const description = `cpu (onnxruntime-node ${dense.version} GEMM on ${threads} threads; WebAssembly SIMD sparse kernels)`;
  return new SimdBackend('cpu', description, arena, simd, dense);
}
