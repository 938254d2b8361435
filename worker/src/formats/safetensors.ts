// safetensors files (Hugging Face): 8-byte little-endian header length, a JSON header, then raw tensor bytes.
// Spec: huggingface/safetensors README. Tensors are read lazily by name so large files stay out of memory.
import { closeSync, fstatSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { AtlasError } from '../errors.js';
import { bytesPerElement, decodeToFloat32, encodeFromNumbers, type DType } from './dtype.js';

const codeToDType: Record<string, DType> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I32: 'int32',
  I64: 'int64',
  U16: 'uint16',
  U8: 'uint8',
};
/** Bytes per element of the safetensors types the atlas does not read (kept so a file holding them still opens). */
const otherCodeBytes: Record<string, number> = { BOOL: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U32: 4, F64: 8, U64: 8 }; // prettier-ignore
const dtypeToCode = Object.fromEntries(Object.entries(codeToDType).map(([k, v]) => [v, k])) as Record<DType, string>;

/** One tensor entry of a safetensors header. */
export interface TensorInfo {
  dtype: DType;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

/** A tensor in memory, row-major. */
export interface Tensor {
  data: Float32Array;
  shape: number[];
}

function malformed(path: string, what: string): AtlasError {
  return new AtlasError(
    'SOURCE_MALFORMED',
    `${path}: ${what}; re-save it with safetensors.torch.save_file or safetensors.numpy.save_file.`,
  );
}

/** An open safetensors file: the header is parsed and validated, tensors are read on demand. */
export class SafetensorsFile {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /**
   * Tensors of a type the atlas does not read, by name -> safetensors dtype (e.g. the BOOL attention-mask buffers
   * older GPT-NeoX checkpoints carry): the file opens, and reading one is refused naming its type.
   */
  readonly unsupported: ReadonlyMap<string, string>;
  readonly metadata: Record<string, string>;
  private fd: number;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      throw new AtlasError('SOURCE_NOT_FOUND', `${path}: cannot open (${(err as Error).message})`, { cause: err });
    }
    try {
      const size = fstatSync(this.fd).size;
      const lenBuf = Buffer.alloc(8);
      if (readSync(this.fd, lenBuf, 0, 8, 0) < 8) throw malformed(path, 'shorter than the 8-byte header length');
      const headerLen = Number(lenBuf.readBigUInt64LE(0));
      if (headerLen > 100_000_000 || 8 + headerLen > size)
        throw malformed(path, `header length ${headerLen} exceeds the file`);
      const headerBuf = Buffer.alloc(headerLen);
      readSync(this.fd, headerBuf, 0, headerLen, 8);
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(headerBuf.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw malformed(path, 'header is not valid JSON');
      }
      const base = 8 + headerLen;
      const tensors = new Map<string, TensorInfo>();
      const unsupported = new Map<string, string>();
      this.metadata = {};
      for (const [name, raw] of Object.entries(header)) {
        if (name === '__metadata__') {
          this.metadata = (raw ?? {}) as Record<string, string>;
          continue;
        }
        const entry = raw as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
        const dtype = entry.dtype ? codeToDType[entry.dtype] : undefined;
        if (!dtype && !(entry.dtype && entry.dtype in otherCodeBytes))
          throw malformed(path, `tensor '${name}' has unknown dtype ${entry.dtype} (expected F32, F16 or BF16)`);
        if (!Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets))
          throw malformed(path, `tensor '${name}' lacks shape or data_offsets`);
        const [b, e] = entry.data_offsets;
        const count = entry.shape.reduce((x, y) => x * y, 1);
        if (e - b !== count * (dtype ? bytesPerElement[dtype] : otherCodeBytes[entry.dtype!]))
          throw malformed(
            path,
            `tensor '${name}' shape [${entry.shape.join(', ')}] ${dtype ?? entry.dtype} does not match its ${e - b} bytes`,
          );
        if (base + e > size)
          throw malformed(path, `truncated: tensor '${name}' ends at byte ${base + e} but the file has ${size} bytes`);
        if (dtype) tensors.set(name, { dtype, shape: entry.shape, begin: base + b, end: base + e });
        else unsupported.set(name, entry.dtype!);
      }
      this.tensors = tensors;
      this.unsupported = unsupported;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** Read a whole tensor as float32. */
  read(name: string): Tensor {
    const info = this.tensors.get(name);
    const other = this.unsupported.get(name);
    if (other)
      throw malformed(this.path, `tensor '${name}' has unsupported dtype ${other} (expected F32, F16 or BF16)`);
    if (!info)
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${this.path}: no tensor named '${name}' (it has ${[...this.tensors.keys()].join(', ') || 'none'})`,
      );
    const buf = Buffer.allocUnsafe(info.end - info.begin);
    readSync(this.fd, buf, 0, buf.length, info.begin);
    return { data: decodeToFloat32(buf, info.dtype, buf.length / bytesPerElement[info.dtype]), shape: info.shape };
  }

  /** Rows [start, start+count) of a tensor whose leading axis is rows. */
  readRows(name: string, start: number, count: number): Float32Array {
    const info = this.tensors.get(name);
    if (!info) throw new AtlasError('SOURCE_MALFORMED', `${this.path}: no tensor named '${name}'`);
    const rowLength = info.shape.slice(1).reduce((a, b) => a * b, 1);
    const bpe = bytesPerElement[info.dtype];
    const buf = Buffer.allocUnsafe(count * rowLength * bpe);
    readSync(this.fd, buf, 0, buf.length, info.begin + start * rowLength * bpe);
    return decodeToFloat32(buf, info.dtype, count * rowLength);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A tensor to write: values row-major with their shape and the dtype to store. */
export interface TensorToWrite {
  data: ArrayLike<number>;
  shape: number[];
  dtype?: DType;
}

/** Write tensors (sorted by name, as the reference implementation does) atomically via `<path>.partial`. */
export function writeSafetensors(
  path: string,
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): void {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const dtype = t.dtype ?? 'float32';
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new RangeError(`safetensors: '${name}' has ${t.data.length} values for shape [${t.shape}]`);
    const bytes =
      dtype === 'float32' && t.data instanceof Float32Array
        ? new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
        : encodeFromNumbers(t.data, dtype);
    header[name] = { dtype: dtypeToCode[dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keep tensor data 8-byte aligned
  const jsonBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(jsonBytes.length));
  const tmp = `${path}.partial`;
  // Chunk by chunk rather than one concatenated buffer: checkpoints of wide dictionaries are gigabytes.
  const fd = openSync(tmp, 'w');
  try {
    for (const part of [len, jsonBytes, ...chunks])
      // write(2) may stop short (Linux caps one call at ~2 GiB), so loop until the part is out.
      for (let done = 0; done < part.byteLength;) done += writeSync(fd, part, done, part.byteLength - done);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Read every tensor of a file into memory. */
export function readSafetensors(path: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const file = new SafetensorsFile(path);
  try {
    const tensors = new Map<string, Tensor>();
    for (const name of file.tensors.keys()) tensors.set(name, file.read(name));
    return { tensors, metadata: file.metadata };
  } finally {
    file.close();
  }
}
