// One 2-D tensor written to a safetensors file row by row, so a decoder of any size streams to disk without
// being held in memory. The header is known up front (shape and dtype), rows follow in order; rows never
// written are zeros. Written to `<path>.partial` and renamed on close, like writeSafetensors.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { bytesPerElement, encodeFromNumbers } from './dtype.js';

const CODES = { float32: 'F32', float16: 'F16' } as const;

/** Writes tensor `name` [rows, rowLength] one row at a time, in ascending row order. */
export class SafetensorsRowWriter {
  private fd: number;
  private nextRow = 0;
  private open = true;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly rowBytes: number;
  private readonly tmp: string;

  constructor(
    readonly path: string,
    readonly name: string,
    readonly shape: [rows: number, rowLength: number],
    readonly dtype: 'float32' | 'float16' = 'float32',
  ) {
    this.rowBytes = shape[1] * bytesPerElement[dtype];
    const size = shape[0] * this.rowBytes;
    let json = JSON.stringify({ [name]: { dtype: CODES[dtype], shape, data_offsets: [0, size] } });
    json += ' '.repeat((8 - (json.length % 8)) % 8); // tensor data 8-byte aligned, as writeSafetensors does
    const header = Buffer.from(json, 'utf8');
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(header.length));
    this.tmp = `${path}.partial`;
    this.fd = openSync(this.tmp, 'w');
    this.push(length);
    this.push(header);
  }

  /** Row `index` (>= every row written before); skipped rows become zeros. */
  writeRow(index: number, values: ArrayLike<number>): void {
    if (index < this.nextRow || index >= this.shape[0])
      throw new RangeError(`${this.path}: row ${index} is before row ${this.nextRow} or past ${this.shape[0]} rows`);
    if (values.length !== this.shape[1])
      throw new RangeError(`${this.path}: row ${index} has ${values.length} values, expected ${this.shape[1]}`);
    this.zeros(index - this.nextRow);
    this.push(encodeFromNumbers(values, this.dtype));
    this.nextRow = index + 1;
  }

  /** Pad the remaining rows with zeros and move the file into place. */
  close(): void {
    this.zeros(this.shape[0] - this.nextRow);
    this.nextRow = this.shape[0];
    this.flush();
    this.open = false;
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  /** Stop without producing the file (nothing to do once closed). */
  abort(): void {
    if (!this.open) return;
    this.open = false;
    closeSync(this.fd);
    rmSync(this.tmp, { force: true });
  }

  private zeros(rows: number): void {
    for (let r = 0; r < rows; r++) this.push(new Uint8Array(this.rowBytes));
  }

  private push(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= 1 << 22) this.flush();
  }

  private flush(): void {
    const all = Buffer.concat(this.pending);
    for (let done = 0; done < all.length;) done += writeSync(this.fd, all, done, all.length - done);
    this.pending = [];
    this.pendingBytes = 0;
  }
}
