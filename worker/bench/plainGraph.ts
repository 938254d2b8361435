// The yardstick for the engine's encoder: one plain onnxruntime graph MatMul + Add + Relu + TopK(k) over a whole
// batch, timed in the bench's own process, so the encoder's time can be printed as a ratio to what onnxruntime
// itself reaches on this machine. Run directly (`tsx worker/bench/plainGraph.ts`) it prints A/B variants of the
// encoder's graph (Gemm transB vs MatMul, spinning threads, row blocks) to show where time goes.
import { availableParallelism } from 'node:os';
import { buildModel, ONNX_FLOAT, ONNX_INT64, onnxSessionOptions, type NodeSpec } from '../src/formats/onnxModel.js';
import { Rng } from '../src/engine/rng.js';

/** One way to run the encoder's dense part; the defaults are the plain graph the issue names. */
export interface GraphVariant {
  /** 'matmul': MatMul on a pre-transposed [kd, n] weight, Add, Relu; 'gemm': Gemm transB=1 on [n, kd] (the engine's). */
  op?: 'matmul' | 'gemm';
  /** Rows per session run (the whole batch when absent). */
  block?: number;
  /** The engine's session options (no spinning) instead of onnxruntime's defaults. */
  engineOptions?: boolean;
}

/** Median milliseconds of `runs` timed runs (after one warm-up) of the variant over an [m, kd] x [kd, n] batch. */
export async function plainGraphMs(...a: Parameters<typeof plainGraphTimes>): Promise<number> {
  const times = await plainGraphTimes(...a);
  return times[Math.floor(times.length / 2)];
}

/** Milliseconds of `runs` timed runs after one warm-up, fastest first. */
export async function plainGraphTimes(
  m: number,
  kd: number,
  n: number,
  k: number,
  runs: number,
  variant: GraphVariant = {},
  threads = availableParallelism(),
): Promise<number[]> {
  const ort = await import('onnxruntime-node');
  const op = variant.op ?? 'matmul';
  const dense: NodeSpec[] =
    op === 'gemm'
      ? [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['pre'], ints: { transB: 1 } }]
      : [
          { op: 'MatMul', inputs: ['x', 'w'], outputs: ['xw'] },
          { op: 'Add', inputs: ['xw', 'b'], outputs: ['lin'] },
          { op: 'Relu', inputs: ['lin'], outputs: ['pre'] },
        ];
  const model = buildModel({
    nodes: [
      ...dense,
      { op: 'TopK', inputs: ['pre', 'k'], outputs: ['values', 'indices'], ints: { axis: -1, largest: 1, sorted: 0 } },
    ],
    inputs: [
      { name: 'x', elemType: ONNX_FLOAT, dims: ['m', kd] },
      { name: 'w', elemType: ONNX_FLOAT, dims: op === 'gemm' ? [n, kd] : [kd, n] },
      { name: 'b', elemType: ONNX_FLOAT, dims: [n] },
    ],
    outputs: [
      { name: 'values', elemType: ONNX_FLOAT, dims: ['m', k] },
      { name: 'indices', elemType: ONNX_INT64, dims: ['m', k] },
    ],
    initializers: [{ name: 'k', dims: [1], values: [k] }],
  });
  const options = variant.engineOptions
    ? onnxSessionOptions(threads)
    : { intraOpNumThreads: threads, graphOptimizationLevel: 'all' as const };
  const session = await ort.InferenceSession.create(model, options);
  const rng = new Rng(7);
  const x = Float32Array.from(rng.normals(m * kd));
  const w = Float32Array.from(rng.normals(kd * n), (v) => v / Math.sqrt(kd));
  const b = new Float32Array(n).fill(-0.01);
  const wT = new ort.Tensor('float32', w, op === 'gemm' ? [n, kd] : [kd, n]);
  const bT = new ort.Tensor('float32', b, [n]);
  const block = Math.min(m, variant.block ?? m);
  const once = async () => {
    for (let r0 = 0; r0 < m; r0 += block) {
      const rows = Math.min(block, m - r0);
      await session.run({
        x: new ort.Tensor('float32', x.subarray(r0 * kd, (r0 + rows) * kd), [rows, kd]),
        w: wT,
        b: bT,
      });
    }
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  await session.release();
  return times.sort((a, b) => a - b);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [m, kd, n, k] = [4096, 512, 8192, 32];
  const gf = (ms: number) => ((2 * m * kd * n) / (ms / 1000) / 1e9).toFixed(0);
  const variants: [string, GraphVariant][] = [
    ['plain MatMul+Add+Relu+TopK, whole batch', {}],
    [
      'Gemm transB, 1024-row blocks, engine options (the engine today)',
      { op: 'gemm', block: 1024, engineOptions: true },
    ],
    ['Gemm transB, 2048-row blocks, engine options', { op: 'gemm', block: 2048, engineOptions: true }],
    ['Gemm transB, whole batch, engine options', { op: 'gemm', engineOptions: true }],
    ['Gemm transB, 1024-row blocks, spinning', { op: 'gemm', block: 1024 }],
    ['Gemm transB, whole batch, spinning', { op: 'gemm' }],
    ['MatMul, 1024-row blocks, engine options', { block: 1024, engineOptions: true }],
    ['MatMul, whole batch, engine options', { engineOptions: true }],
  ];
  // Interleaved rounds and the fastest run of each: on a shared machine the minimum is the least noisy figure.
  // CPU time (both threads, per run) is printed too: it is less disturbed by other load than wall time.
  const best = new Map<string, { ms: number; cpuMs: number }>();
  for (let round = 0; round < 3; round++)
    for (const [name, v] of variants) {
      const c0 = process.cpuUsage();
      const times = await plainGraphTimes(m, kd, n, k, 3, v);
      const c = process.cpuUsage(c0);
      const cpuMs = (c.user + c.system) / 1000 / 4; // one warm-up + 3 timed runs
      const was = best.get(name) ?? { ms: Infinity, cpuMs: Infinity };
      best.set(name, { ms: Math.min(times[0], was.ms), cpuMs: Math.min(cpuMs, was.cpuMs) });
    }
  for (const [name, { ms, cpuMs }] of best)
    console.log(`${name}: ${ms.toFixed(0)} ms (${gf(ms)} GFLOPS), ${cpuMs.toFixed(0)} CPU-ms per run`);
}
