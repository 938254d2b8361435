// A minimal ONNX ModelProto writer: just enough protobuf to describe the graphs we run on onnxruntime (the CPU
// backend's Gemm + TopK, the transformer's inference forward), and the session options we run them with. Field
// numbers are from onnx/onnx.proto3 (IR version 8, opset 17). Hand-written because the only thing needed is
// serialisation of a handful of message types, and a protobuf library would add a schema compiler step for it.

import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Protobuf wire writer (proto3): parts are kept as byte chunks, so large weights are referenced, not copied. */
class Proto {
  private parts: Uint8Array[] = [];
  private size = 0;
  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  private varint(n: number): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, BigInt(n)); // negative int64 is ten bytes of two's complement
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      bytes.push(b);
    } while (v !== 0n);
    this.push(Uint8Array.from(bytes));
  }
  int(field: number, n: number): this {
    this.key(field, 0);
    this.varint(n);
    return this;
  }
  float(field: number, x: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    this.push(b);
    return this;
  }
  raw(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.varint(data.length);
    this.push(data);
    return this;
  }
  str(field: number, s: string): this {
    return this.raw(field, Buffer.from(s, 'utf8'));
  }
  msg(field: number, m: Proto): this {
    this.key(field, 2);
    this.varint(m.size);
    for (const p of m.parts) this.push(p);
    return this;
  }
  done(): Uint8Array {
    return Buffer.concat(this.parts, this.size);
  }
}

/** onnx.TensorProto.DataType */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;

/** A graph input or output: a name, an element type and dims (a string is a symbolic dim). */
export interface ValueInfo {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

/** A node: op type, inputs, outputs and its attributes by kind. */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number>;
  floats?: Record<string, number>;
  intLists?: Record<string, number[]>;
}

/** A constant tensor baked into the model: int64 values, or float32 data (referenced, not copied). */
export interface Initializer {
  name: string;
  dims: number[];
  values: number[] | Float32Array;
}

function valueInfo(v: ValueInfo): Proto {
  const shape = new Proto();
  for (const d of v.dims) shape.msg(1, typeof d === 'number' ? new Proto().int(1, d) : new Proto().str(2, d));
  const tensorType = new Proto().int(1, v.elemType).msg(2, shape);
  return new Proto().str(1, v.name).msg(2, new Proto().msg(1, tensorType));
}

// AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7).
function attributes(node: Proto, n: NodeSpec): void {
  for (const [k, v] of Object.entries(n.ints ?? {})) node.msg(5, new Proto().str(1, k).int(3, v).int(20, 2));
  for (const [k, v] of Object.entries(n.floats ?? {})) node.msg(5, new Proto().str(1, k).float(2, v).int(20, 1));
  for (const [k, list] of Object.entries(n.intLists ?? {})) {
    const a = new Proto().str(1, k);
    for (const v of list) a.int(8, v);
    node.msg(5, a.int(20, 7));
  }
}

/** Where large initializers go instead of the protobuf: a weights file beside the model file. */
interface ExternalSink {
  location: string;
  /** Append `data` (page-aligned) and return its offset. */
  write(data: Uint8Array): number;
}

function initializer(init: Initializer, external?: ExternalSink): Proto {
  const t = new Proto();
  for (const d of init.dims) t.int(1, d);
  const isFloat = init.values instanceof Float32Array;
  t.int(2, isFloat ? ONNX_FLOAT : ONNX_INT64).str(8, init.name);
  const data =
    init.values instanceof Float32Array
      ? new Uint8Array(init.values.buffer, init.values.byteOffset, init.values.byteLength)
      : new Uint8Array(BigInt64Array.from(init.values.map(BigInt)).buffer);
  if (!external || data.byteLength < EXTERNAL_MIN_BYTES) return t.raw(9, data);
  // TensorProto external_data (13: location, offset, length) and data_location (14) EXTERNAL.
  const offset = external.write(data);
  const entry = (k: string, v: string) => new Proto().str(1, k).str(2, v);
  t.msg(13, entry('location', external.location));
  t.msg(13, entry('offset', String(offset)));
  t.msg(13, entry('length', String(data.byteLength)));
  return t.int(14, 1);
}

/** Initializers from this size up go to the weights file of a model written with `buildModelFile`. */
const EXTERNAL_MIN_BYTES = 1 << 16;
/**
 * A protobuf message cannot exceed 2 GB, so a graph whose weights pass this goes to disk with its initializers in
 * an external-data file (`modelSource`); below it the model stays one in-memory buffer.
 */
export const IN_MEMORY_MODEL_LIMIT = 1.5 * 2 ** 30;

/** A model for InferenceSession.create, and how to clean up after it (see modelSource). */
export interface ModelSource {
  source: Uint8Array | string;
  dispose(): void;
}

type ModelGraph = { nodes: NodeSpec[]; inputs: ValueInfo[]; outputs: ValueInfo[]; initializers?: Initializer[] };

/** Serialise a single-graph model. */
export function buildModel(graph: ModelGraph): Uint8Array {
  return serializeModel(graph);
}

/**
 * What onnxruntime's InferenceSession.create takes for a graph: the serialised bytes, or, when its weights pass
 * `limit` (default IN_MEMORY_MODEL_LIMIT), the path of `model.onnx` written into a new folder under `tmpDir` with a `weights.bin`
 * beside it (onnxruntime resolves external data relative to the model file). `dispose` removes that folder; call it
 * once the session is created (onnxruntime holds the weights by then).
 */
export function modelSource(graph: ModelGraph, o: { limit?: number; tmpDir?: string } = {}): ModelSource {
  let bytes = 0;
  for (const i of graph.initializers ?? [])
    bytes += i.values instanceof Float32Array ? i.values.byteLength : i.values.length * 8;
  if (bytes <= (o.limit ?? IN_MEMORY_MODEL_LIMIT)) return { source: serializeModel(graph), dispose: () => {} };
  const dir = mkdtempSync(join(o.tmpDir ?? tmpdir(), 'atlas-onnx-'));
  const fd = openSync(join(dir, 'weights.bin'), 'w');
  try {
    let end = 0;
    const sink: ExternalSink = {
      location: 'weights.bin',
      write(data) {
        const offset = Math.ceil(end / 4096) * 4096; // page-aligned, so onnxruntime may map it
        writeSync(fd, data, 0, data.byteLength, offset);
        end = offset + data.byteLength;
        return offset;
      },
    };
    writeFileSync(join(dir, 'model.onnx'), serializeModel(graph, sink));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    closeSync(fd);
  }
  return { source: join(dir, 'model.onnx'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

function serializeModel(graph: ModelGraph, external?: ExternalSink): Uint8Array {
  const g = new Proto();
  graph.nodes.forEach((n, i) => {
    const node = new Proto();
    for (const x of n.inputs) node.str(1, x);
    for (const y of n.outputs) node.str(2, y);
    node.str(3, `${n.op}_${i}`).str(4, n.op);
    attributes(node, n);
    g.msg(1, node);
  });
  g.str(2, 'atlas');
  for (const init of graph.initializers ?? []) g.msg(5, initializer(init, external));
  for (const v of graph.inputs) g.msg(11, valueInfo(v));
  for (const v of graph.outputs) g.msg(12, valueInfo(v));
  return new Proto()
    .int(1, 8) // ir_version
    .str(2, 'feature-atlas')
    .msg(8, new Proto().str(1, '').int(2, 17)) // opset_import
    .msg(7, g)
    .done();
}

/**
 * How we run these graphs on onnxruntime-node: `threads` intra-op threads that do not spin after a run (by default
 * they would, taking the cores the next step's JS or WebAssembly kernels need), all graph optimisations.
 */
export function onnxSessionOptions(threads: number) {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all' as const,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}
