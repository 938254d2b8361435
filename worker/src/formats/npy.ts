// NumPy .npy files (format versions 1-3), read out of core by row ranges and written by streaming.
// Spec: numpy/lib/format.py. Only C-order, little-endian arrays are accepted: that is what numpy writes by default.
import { closeSync, fstatSync, openSync, readSync, renameSync, writeSync, rmSync } from 'node:fs';
import { AtlasError } from '../errors.js';
import { bytesPerElement, decodeToFloat32, encodeFromNumbers, type DType } from './dtype.js';

const MAGIC = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

const descrToDType: Record<string, DType> = {
  '<f4': 'float32',
  '<f2': 'float16',
  '<i4': 'int32',
  '<i8': 'int64',
  '<u2': 'uint16',
  '|u1': 'uint8',
  '<u1': 'uint8',
};
const dtypeToDescr: Partial<Record<DType, string>> = {
  float32: '<f4',
  float16: '<f2',
  int32: '<i4',
  int64: '<i8',
  uint16: '<u2',
  uint8: '|u1',
};

/** What a .npy header says. */
export interface NpyHeader {
  dtype: DType;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
}

function malformed(path: string, what: string): AtlasError {
  return new AtlasError(
    'SOURCE_MALFORMED',
    `${path}: ${what}; write it with numpy.save(path, array.astype(numpy.float32)) (C order, little-endian).`,
  );
}

/** Parse the header of an open .npy file and check that the file holds all the data it announces. */
export function readNpyHeader(fd: number, path: string): NpyHeader {
  const size = fstatSync(fd).size;
  const pre = Buffer.alloc(12);
  const got = readSync(fd, pre, 0, 12, 0);
  if (got < 10 || !MAGIC.every((b, i) => pre[i] === b)) throw malformed(path, 'not a .npy file (bad magic bytes)');
  const major = pre[6];
  const headerLenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? pre.readUInt16LE(8) : pre.readUInt32LE(8);
  const start = 8 + headerLenBytes;
  if (start + headerLen > size) throw malformed(path, 'truncated header');
  const headerBuf = Buffer.alloc(headerLen);
  readSync(fd, headerBuf, 0, headerLen, start);
  const header = headerBuf.toString('latin1');
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw malformed(path, `unreadable header ${JSON.stringify(header.trim())}`);
  const dtype = descrToDType[descr];
  if (!dtype)
    throw malformed(path, `dtype '${descr}' is not supported (expected float32 '<f4' or float16 '<f2', or integer ids)`);
  if (fortran === 'True') throw malformed(path, 'array is in Fortran order; save numpy.ascontiguousarray(array)');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw malformed(path, `bad shape (${shapeText})`);
  const dataOffset = start + headerLen;
  const expected = shape.reduce((a, b) => a * b, 1) * bytesPerElement[dtype];
  if (size < dataOffset + expected)
    throw malformed(
      path,
      `truncated: shape [${shape.join(', ')}] ${dtype} needs ${expected} data bytes but the file has ${size - dataOffset}`,
    );
  return { dtype, shape, dataOffset };
}

/** An open .npy file whose leading axis is rows; reads row ranges as float32 without loading the file. */
export class NpyFile {
  readonly header: NpyHeader;
  readonly rows: number;
  /** Elements per row (product of all axes after the first). */
  readonly rowLength: number;
  private fd: number;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      throw new AtlasError('SOURCE_NOT_FOUND', `${path}: cannot open (${(err as Error).message})`, { cause: err });
    }
    try {
      this.header = readNpyHeader(this.fd, path);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
    const [rows = 1, ...rest] = this.header.shape;
    this.rows = this.header.shape.length === 0 ? 1 : rows;
    this.rowLength = rest.reduce((a, b) => a * b, 1);
  }

  /** Rows [start, start+count) as float32, row-major [count, rowLength]. */
  readRows(start: number, count: number): Float32Array {
    if (start < 0 || count < 0 || start + count > this.rows)
      throw new RangeError(`${this.path}: rows [${start}, ${start + count}) outside [0, ${this.rows})`);
    const bpe = bytesPerElement[this.header.dtype];
    const n = count * this.rowLength;
    const buf = Buffer.allocUnsafe(n * bpe);
    readSync(this.fd, buf, 0, buf.length, this.header.dataOffset + start * this.rowLength * bpe);
    return decodeToFloat32(buf, this.header.dtype, n);
  }

  /**
   * Rows [start, start+count) into `out` (at least count·rowLength long) without allocating per call: float32
   * data is read straight into out's bytes, other dtypes are decoded from a reused scratch buffer. Streaming
   * readers use this so a pass over a large corpus does not churn the garbage collector.
   */
  readRowsInto(start: number, count: number, out: Float32Array): void {
    if (start < 0 || count < 0 || start + count > this.rows)
      throw new RangeError(`${this.path}: rows [${start}, ${start + count}) outside [0, ${this.rows})`);
    const n = count * this.rowLength;
    const bpe = bytesPerElement[this.header.dtype];
    const position = this.header.dataOffset + start * this.rowLength * bpe;
    if (this.header.dtype === 'float32') {
      readSync(this.fd, new Uint8Array(out.buffer, out.byteOffset, n * 4), 0, n * 4, position);
      return;
    }
    if (!this.scratch || this.scratch.length < n * bpe) this.scratch = Buffer.allocUnsafe(n * bpe);
    readSync(this.fd, this.scratch, 0, n * bpe, position);
    out.set(decodeToFloat32(this.scratch, this.header.dtype, n));
  }

  private scratch: Buffer | null = null;

  /** Rows as raw integers (for token id files); int64 values must fit in a double. */
  readAll(): Float32Array {
    return this.readRows(0, this.rows);
  }

  close(): void {
    closeSync(this.fd);
  }
}

function headerBytes(dtype: DType, shape: number[]): Buffer {
  const descr = dtypeToDescr[dtype];
  if (!descr) throw new Error(`npy: cannot write dtype ${dtype}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  // Fixed-width row count so a streaming writer can patch it in place at the end.
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + dict.length + 1;
  const pad = (64 - (total % 64)) % 64;
  dict = dict + ' '.repeat(pad) + '\n';
  const out = Buffer.alloc(10 + dict.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(dict.length, 8);
  out.write(dict, 10, 'latin1');
  return out;
}

/**
 * Writes a .npy file row by row without holding it in memory. Data goes to `<path>.partial` and is renamed
 * onto `path` by `finish()`, so a crash never leaves a half-written file under the final name.
 */
export class NpyWriter {
  private fd: number;
  private rows = 0;
  private readonly tmp: string;
  private readonly reserved: number;

  constructor(
    readonly path: string,
    readonly dtype: DType,
    /** Shape of one row (everything after the leading axis). */
    readonly rowShape: number[],
  ) {
    this.tmp = `${path}.partial`;
    this.fd = openSync(this.tmp, 'w');
    // Reserve room for the largest row count we may write (15 digits), then patch on finish.
    this.reserved = headerBytes(dtype, [1e15 - 1, ...rowShape]).length;
    writeSync(this.fd, Buffer.alloc(this.reserved, 0x20));
  }

  get rowLength(): number {
    return this.rowShape.reduce((a, b) => a * b, 1);
  }

  /** Append rows given as a flat row-major array whose length is a multiple of the row length. */
  append(values: ArrayLike<number>): void {
    if (values.length % this.rowLength !== 0)
      throw new RangeError(`npy: ${values.length} values is not a whole number of rows of ${this.rowLength}`);
    const bytes =
      this.dtype === 'float32' && values instanceof Float32Array
        ? new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
        : encodeFromNumbers(values, this.dtype);
    writeSync(this.fd, bytes);
    this.rows += values.length / this.rowLength;
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Write the final header and move the file into place. */
  finish(): void {
    const header = headerBytes(this.dtype, [this.rows, ...this.rowShape]);
    const padded = Buffer.alloc(this.reserved, 0x20);
    header.copy(padded, 0, 0, 10);
    // Same header length as reserved: rewrite the length field and pad the dict with spaces before '\n'.
    padded.writeUInt16LE(this.reserved - 10, 8);
    const dict = header.subarray(10).toString('latin1').trimEnd();
    padded.write(dict, 10, 'latin1');
    padded[this.reserved - 1] = 0x0a;
    writeSync(this.fd, padded, 0, padded.length, 0);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  /** Drop the partial file. */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    rmSync(this.tmp, { force: true });
  }
}

/** Write a whole array to a .npy file (atomically). */
export function writeNpy(path: string, values: ArrayLike<number>, shape: number[], dtype: DType = 'float32'): void {
  const writer = new NpyWriter(path, dtype, shape.slice(1));
  try {
    writer.append(values);
    writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  }
}

/** Read a whole .npy file as float32 with its shape. */
export function readNpy(path: string): { data: Float32Array; shape: number[]; dtype: DType } {
  const file = new NpyFile(path);
  try {
    return { data: file.readAll(), shape: file.header.shape, dtype: file.header.dtype };
  } finally {
    file.close();
  }
}
