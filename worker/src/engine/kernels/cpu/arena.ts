// One WebAssembly memory holding every array the CPU kernels touch, so the SIMD kernels address them directly
// and onnxruntime reads them without a copy. A bump allocator: training allocates its state once.
import { AtlasError } from '../../../errors.js';

const PAGE = 65536;
/** Largest wasm32 memory (4 GiB). Pages are committed lazily by the OS, so reserving them costs no RSS. */
const MAX_PAGES = 65536;

export class Arena {
  readonly memory: WebAssembly.Memory;
  readonly pages: number;
  private top = 64; // address 0 stays unused so a zero pointer is never valid data
  readonly f32: Float32Array;

  readonly i32: Int32Array;
  private scratch = new Map<string, Float32Array | Int32Array>();

  /** `shared`: a SharedArrayBuffer-backed memory that helper threads can work on too. */
  constructor(readonly shared = false) {
    let memory: WebAssembly.Memory | undefined;
    let pages = MAX_PAGES;
    // Some hosts cap virtual memory; fall back to smaller reservations.
    for (; pages >= 4096 && !memory; pages >>= 1) {
      try {
        memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
      } catch {
        /* try half */
      }
    }
    if (!memory)
      throw new AtlasError(
        'BACKEND_UNAVAILABLE',
        'cpu backend: could not reserve WebAssembly memory (needs 256 MiB of address space)',
      );
    this.memory = memory;
    this.pages = memory.buffer.byteLength / PAGE;
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  /** A reusable arena array for `key` of at least `length` (contents unspecified); grows by doubling. */
  scratchF32(key: string, length: number): Float32Array {
    let s = this.scratch.get(key) as Float32Array | undefined;
    if (!s || s.length < length) this.scratch.set(key, (s = this.alloc(Math.max(length, 2 * (s?.length ?? 0)))));
    return s.subarray(0, length);
  }

  /** Like scratchF32, as int32. */
  scratchI32(key: string, length: number): Int32Array {
    let s = this.scratch.get(key) as Int32Array | undefined;
    if (!s || s.length < length) {
      const f = this.alloc(Math.max(length, 2 * (s?.length ?? 0)));
      this.scratch.set(key, (s = new Int32Array(f.buffer, f.byteOffset, f.length)));
    }
    return s.subarray(0, length);
  }

  /** `arr` itself when it lives in the arena, else a scratch copy. */
  inArenaF32(key: string, arr: Float32Array): Float32Array {
    if (this.owns(arr)) return arr;
    const s = this.scratchF32(key, arr.length);
    s.set(arr);
    return s;
  }

  inArenaI32(key: string, arr: Int32Array): Int32Array {
    if (arr.buffer === this.memory.buffer) return arr;
    const s = this.scratchI32(key, arr.length);
    s.set(arr);
    return s;
  }

  /** A zeroed Float32Array of `length` inside the arena, 64-byte aligned. */
  alloc(length: number): Float32Array {
    const bytes = length * 4;
    const at = this.top;
    if (at + bytes > this.memory.buffer.byteLength)
      throw new AtlasError(
        'BACKEND_UNAVAILABLE',
        `cpu backend: out of arena memory (${((at + bytes) / 2 ** 30).toFixed(2)} GiB needed, ${(this.memory.buffer.byteLength / 2 ** 30).toFixed(2)} GiB reserved); use fewer latents or a smaller batch, or --backend reference`,
      );
    this.top = Math.ceil((at + bytes) / 64) * 64;
    const arr = new Float32Array(this.memory.buffer, at, length);
    arr.fill(0);
    return arr;
  }

  /** Whether `arr` lives in this arena (only then can the SIMD kernels address it). */
  owns(arr: Float32Array): boolean {
    return arr.buffer === this.memory.buffer;
  }

  /** Bytes handed out so far. */
  get used(): number {
    return this.top;
  }
}
