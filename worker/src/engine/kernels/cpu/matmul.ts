// The dense kernels on onnxruntime-node: Gemm (x · Wᵀ + b) and Gemm + TopK, as tiny graphs built in memory.
// MLAS (onnxruntime's GEMM) reaches ~136 GFLOPS on the two AVX2 cores of the development machine (an FMA loop
// peaks near 100 GFLOPS per core there), against ~43 for tfjs-wasm.
import { createRequire } from 'node:module';
import { AtlasError } from '../../../errors.js';
import type { Backend } from '../../backend.js';
import type { Arena } from './arena.js';
import { buildModel, ONNX_FLOAT, ONNX_INT64, onnxSessionOptions, type NodeSpec } from '../../../formats/onnxModel.js';

type Session = import('onnxruntime-node').InferenceSession;

/** The dense ops a SIMD backend delegates (here to onnxruntime, in ../tfjs.ts to TensorFlow.js). */
export type DenseKernels = Pick<Backend, 'matmulT' | 'matmul' | 'encodeTopK' | 'dispose'>;

/** Bytes of pre-activations per encoder run (see encodeTopK). */
const CHUNK_BYTES = 32 * 2 ** 20;

const gemm: NodeSpec = { op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['pre'], ints: { transB: 1 } };
const denseInputs = [
  { name: 'x', elemType: ONNX_FLOAT, dims: ['m', 'kd'] },
  { name: 'w', elemType: ONNX_FLOAT, dims: ['n', 'kd'] },
  { name: 'b', elemType: ONNX_FLOAT, dims: ['n'] },
];

/** Load onnxruntime-node; sessions are built on first use (one for Gemm, one per k for Gemm + TopK). */
export async function createDenseSessions(arena: Arena, threads: number): Promise<DenseKernels & { version: string }> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    throw new AtlasError(
      'BACKEND_UNAVAILABLE',
      `cpu backend: onnxruntime-node does not load (${(err as Error).message}); run npm install in worker/ or use --backend reference`,
      { cause: err },
    );
  }
  const version = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  const options = onnxSessionOptions(threads);
  const sessions = new Map<string, Promise<Session>>();
  const zeros = new Map<number, Float32Array>();

  function session(key: string, build: () => Uint8Array): Promise<Session> {
    let s = sessions.get(key);
    if (!s) sessions.set(key, (s = ort.InferenceSession.create(build(), options)));
    return s;
  }
  const zeroBias = (n: number): Float32Array => {
    let z = zeros.get(n);
    if (!z) zeros.set(n, (z = arena.alloc(n)));
    return z;
  };
  // onnxruntime-node refuses SharedArrayBuffer-backed inputs ("Invalid argument"), so with helper threads the
  // inputs are staged into private buffers: ~24 MB of copying per step at the reference config, a few ms.
  const staging = new Map<string, Float32Array>();
  const stage = (key: string, a: Float32Array): Float32Array => {
    if (!(a.buffer instanceof SharedArrayBuffer)) return a;
    let s = staging.get(key);
    if (!s || s.length < a.length) staging.set(key, (s = new Float32Array(a.length)));
    const view = s.subarray(0, a.length);
    view.set(a);
    return view;
  };
  const feeds = (x: Float32Array, w: Float32Array, b: Float32Array, m: number, kd: number, n: number) => ({
    x: new ort.Tensor('float32', stage('x', x), [m, kd]),
    w: new ort.Tensor('float32', stage('w', w), [n, kd]),
    b: new ort.Tensor('float32', stage('b', b), [n]),
  });

  return {
    version,
    async matmulT(a, bT, bias, m, kd, n) {
      if (m === 0 || n === 0 || kd === 0)
        return new Float32Array(m * n).fill(0).map((_, i) => (bias && kd === 0 ? bias[i % n] : 0));
      const s = await session('gemm', () =>
        buildModel({
          nodes: [gemm],
          inputs: denseInputs,
          outputs: [{ name: 'pre', elemType: ONNX_FLOAT, dims: ['m', 'n'] }],
        }),
      );
      const out = await s.run(feeds(a, bT, bias ?? zeroBias(n), m, kd, n));
      return out.pre.data as Float32Array;
    },
    async matmul(a, b, transA, m, kd, n) {
      if (m === 0 || n === 0 || kd === 0) return new Float32Array(m * n);
      const s = await session(`matmul${transA ? 'TA' : ''}`, () =>
        buildModel({
          nodes: [{ op: 'Gemm', inputs: ['a', 'b'], outputs: ['y'], ints: { transA: transA ? 1 : 0 } }],
          inputs: [
            { name: 'a', elemType: ONNX_FLOAT, dims: ['ra', 'ca'] },
            { name: 'b', elemType: ONNX_FLOAT, dims: ['kd', 'n'] },
          ],
          outputs: [{ name: 'y', elemType: ONNX_FLOAT, dims: ['m', 'n'] }],
        }),
      );
      const out = await s.run({
        a: new ort.Tensor('float32', stage('a', a), transA ? [kd, m] : [m, kd]),
        b: new ort.Tensor('float32', stage('bm', b), [kd, n]),
      });
      return out.y.data as Float32Array;
    },
    async encodeTopK(x, wT, bias, m, kd, n, k) {
      if (m === 0) return { n: 0, width: k, indices: new Int32Array(0), values: new Float32Array(0) };
      const s = await session(`topk${k}`, () =>
        buildModel({
          // sorted=0: callers never rely on the order, and skipping the sort saves a pass over the k entries.
          nodes: [
            gemm,
            {
              op: 'TopK',
              inputs: ['pre', 'k'],
              outputs: ['values', 'indices'],
              ints: { axis: -1, largest: 1, sorted: 0 },
            },
          ],
          inputs: denseInputs,
          outputs: [
            { name: 'values', elemType: ONNX_FLOAT, dims: ['m', 'k'] },
            { name: 'indices', elemType: ONNX_INT64, dims: ['m', 'k'] },
          ],
          initializers: [{ name: 'k', dims: [1], values: [k] }],
        }),
      );
      const w = new ort.Tensor('float32', stage('w', wT), [n, kd]);
      const b = new ort.Tensor('float32', stage('b', bias), [n]);
      const xs = stage('x', x);
      const values = new Float32Array(m * k);
      const indices = new Int32Array(m * k);
      // Row blocks keep the [rows, n] pre-activation block that TopK reads back near cache size (~32 MB)
      // instead of a [4096, 65536] gigabyte at the widest dictionaries.
      const block = Math.max(64, Math.min(m, Math.floor(CHUNK_BYTES / (4 * n))));
      for (let r0 = 0; r0 < m; r0 += block) {
        const rows = Math.min(block, m - r0);
        const out = await s.run({
          x: new ort.Tensor('float32', xs.subarray(r0 * kd, (r0 + rows) * kd), [rows, kd]),
          w,
          b,
        });
        const v = out.values.data as Float32Array;
        const big = out.indices.data as BigInt64Array;
        // Indices are below 2^31, so each int64 is its low little-endian word: reading those skips BigInt
        // conversions (~30 ns each, 131k per step at the reference config).
        const low = new Int32Array(big.buffer, big.byteOffset, 2 * big.length);
        const o = r0 * k;
        for (let i = 0; i < big.length; i++) {
          indices[o + i] = low[2 * i];
          values[o + i] = v[i] > 0 ? v[i] : 0; // relu after top-k selects the same set with fewer comparisons
        }
      }
      return { n: m, width: k, indices, values };
    },
    dispose() {
      for (const s of sessions.values()) void s.then((x) => x.release());
      sessions.clear();
    },
  };
}
