// The dense products of attribution's backward passes, in Float64 on onnxruntime (MLAS's DGEMM): ~15 GFLOP/s on one
// core of the development machine against ~1.5 for tight Float64 loops in V8, which made a 64-token graph on a
// 4-layer model take ~15 s of CPU instead of ~2.
import { availableParallelism } from 'node:os';
import { AtlasError } from '../errors.js';
import { buildModel, onnxSessionOptions } from '../formats/onnxModel.js';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

/** onnx.TensorProto.DataType DOUBLE */
const ONNX_DOUBLE = 11;

/** Products on gradients laid out [batch, positions, d]. */
export interface BackwardKernels {
  /** g · w for g [b, p, d] and w [d, d]. */
  matmul(g: Float64Array, b: number, p: number, w: Float64Array): Promise<Float64Array>;
  /**
   * The frozen attention's backward without its LayerNorm: per head h, Σ_t A_h[t, s] (g[t] · W_Oᵀ)_h, then · W_Vᵀ;
   * `outT` = W_Oᵀ [d, d], `patternsT` [nHead, p, p] with patternsT[h][s][t] = A_h[t][s], `valueT` = W_Vᵀ [d, d].
   */
  attentionBack(
    g: Float64Array,
    b: number,
    p: number,
    outT: Float64Array,
    patternsT: Float64Array,
    valueT: Float64Array,
  ): Promise<Float64Array>;
}

const cache = new Map<string, Promise<BackwardKernels>>();

/** The kernels for a model width and head count (sessions built once per shape, kept for the process). */
export function backwardKernels(d: number, nHead: number): Promise<BackwardKernels> {
  const key = `${d}/${nHead}`;
  let k = cache.get(key);
  if (!k) cache.set(key, (k = createKernels(d, nHead)));
  return k;
}

async function createKernels(d: number, nHead: number): Promise<BackwardKernels> {
  let ort: Ort;
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    throw new AtlasError(
      'BACKEND_UNAVAILABLE',
      `attribution graphs: onnxruntime-node does not load (${(err as Error).message}); run npm install in worker/`,
      { cause: err },
    );
  }
  const dHead = d / nHead;
  const options = onnxSessionOptions(availableParallelism());
  const gIn = { name: 'g', elemType: ONNX_DOUBLE, dims: ['b', 'p', d] };
  const square = (name: string) => ({ name, elemType: ONNX_DOUBLE, dims: [d, d] });
  const out = { name: 'out', elemType: ONNX_DOUBLE, dims: ['b', 'p', d] };
  const matmulSession = await ort.InferenceSession.create(
    buildModel({
      nodes: [{ op: 'MatMul', inputs: ['g', 'w'], outputs: ['out'] }],
      inputs: [gIn, square('w')],
      outputs: [out],
    }),
    options,
  );
  const attentionSession = await ort.InferenceSession.create(
    buildModel({
      nodes: [
        { op: 'MatMul', inputs: ['g', 'outT'], outputs: ['z'] },
        { op: 'Reshape', inputs: ['z', 'heads'], outputs: ['zh'] },
        { op: 'Transpose', inputs: ['zh'], outputs: ['zt'], intLists: { perm: [0, 2, 1, 3] } },
        { op: 'MatMul', inputs: ['patternsT', 'zt'], outputs: ['v'] },
        { op: 'Transpose', inputs: ['v'], outputs: ['vt'], intLists: { perm: [0, 2, 1, 3] } },
        { op: 'Reshape', inputs: ['vt', 'rows'], outputs: ['vr'] },
        { op: 'MatMul', inputs: ['vr', 'valueT'], outputs: ['out'] },
      ],
      inputs: [
        gIn,
        square('outT'),
        { name: 'patternsT', elemType: ONNX_DOUBLE, dims: [nHead, 'p', 'p'] },
        square('valueT'),
      ],
      outputs: [out],
      initializers: [
        { name: 'heads', dims: [4], values: [0, 0, nHead, dHead] },
        { name: 'rows', dims: [3], values: [0, 0, d] },
      ],
    }),
    options,
  );
  const tensor = (a: Float64Array, dims: number[]) => new ort.Tensor('float64', a, dims);
  const result = async (s: Session, feeds: Record<string, import('onnxruntime-node').Tensor>) =>
    (await s.run(feeds)).out.data as Float64Array;
  return {
    matmul: (g, b, p, w) => result(matmulSession, { g: tensor(g, [b, p, d]), w: tensor(w, [d, d]) }),
    attentionBack: (g, b, p, outT, patternsT, valueT) =>
      result(attentionSession, {
        g: tensor(g, [b, p, d]),
        outT: tensor(outT, [d, d]),
        patternsT: tensor(patternsT, [nHead, p, p]),
        valueT: tensor(valueT, [d, d]),
      }),
  };
}
