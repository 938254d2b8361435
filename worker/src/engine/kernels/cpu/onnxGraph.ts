// A minimal ONNX ModelProto writer: just enough protobuf to describe the few-node graphs the CPU backend runs
// (Gemm, Relu, TopK). Field numbers are from onnx/onnx.proto3 (IR version 8, opset 17).

/** Protobuf wire writer (proto3, varint and length-delimited fields only). */
class Proto {
  private bytes: number[] = [];
  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  private varint(n: number): void {
    let v = BigInt.asUintN(64, BigInt(n)); // negative int64 is ten bytes of two's complement
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      this.bytes.push(b);
    } while (v !== 0n);
  }
  int(field: number, n: number): this {
    this.key(field, 0);
    this.varint(n);
    return this;
  }
  raw(field: number, data: Uint8Array | number[]): this {
    this.key(field, 2);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }
  str(field: number, s: string): this {
    return this.raw(field, Buffer.from(s, 'utf8'));
  }
  msg(field: number, m: Proto): this {
    return this.raw(field, m.bytes);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** onnx.TensorProto.DataType */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

/** A graph input or output: a name, an element type and dims (a string is a symbolic dim). */
export interface ValueInfo {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

/** A node: op type, inputs, outputs and integer attributes. */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number>;
}

/** A constant int64 tensor baked into the model. */
export interface Int64Initializer {
  name: string;
  dims: number[];
  values: number[];
}

function valueInfo(v: ValueInfo): Proto {
  const shape = new Proto();
  for (const d of v.dims) shape.msg(1, typeof d === 'number' ? new Proto().int(1, d) : new Proto().str(2, d));
  const tensorType = new Proto().int(1, v.elemType).msg(2, shape);
  return new Proto().str(1, v.name).msg(2, new Proto().msg(1, tensorType));
}

/** Serialise a single-graph model. */
export function buildModel(graph: {
  nodes: NodeSpec[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Int64Initializer[];
}): Uint8Array {
  const g = new Proto();
  graph.nodes.forEach((n, i) => {
    const node = new Proto();
    for (const x of n.inputs) node.str(1, x);
    for (const y of n.outputs) node.str(2, y);
    node.str(3, `${n.op}_${i}`).str(4, n.op);
    for (const [k, v] of Object.entries(n.ints ?? {})) node.msg(5, new Proto().str(1, k).int(3, v).int(20, 2)); // AttributeProto INT
    g.msg(1, node);
  });
  g.str(2, 'atlas');
  for (const init of graph.initializers ?? []) {
    const t = new Proto();
    for (const d of init.dims) t.int(1, d);
    t.int(2, ONNX_INT64).str(8, init.name);
    const raw = new Uint8Array(BigInt64Array.from(init.values.map(BigInt)).buffer);
    t.raw(9, raw);
    g.msg(5, t);
  }
  for (const v of graph.inputs) g.msg(11, valueInfo(v));
  for (const v of graph.outputs) g.msg(12, valueInfo(v));
  return new Proto()
    .int(1, 8) // ir_version
    .str(2, 'feature-atlas')
    .msg(8, new Proto().str(1, '').int(2, 17)) // opset_import
    .msg(7, g)
    .done();
}
