// Helper threads for the sparse kernels, the elementwise passes over the batch and Adam: the arena is a shared
// WebAssembly memory, every thread runs the same loops (sparseLoops.ts) on its share, and the main thread hands
// out work through a small shared control block and waits with Atomics, so kernels stay synchronous. A step's sparse work is ~10^8 multiply-adds in chunks of
// tens of milliseconds, so a wake-up (~50 µs) is noise.
import { Worker } from 'node:worker_threads';
import { AtlasError } from '../../../errors.js';
import type { Arena } from './arena.js';
import { assembleKernels, type SimdKernels } from './simd.js';
import { SPARSE_LOOPS_SOURCE } from './sparseLoops.js';

type RunOp = (S: SimdKernels, F: Float32Array, I: Int32Array, op: number, A: Float64Array) => void;

// Control block layout (Int32 slots): sequence number, finished helpers, op; then per-helper Float64 args.
const SEQ = 0;
const DONE = 1;
const OPCODE = 2;
const READY = 3;
const ARGS = 12;
const QUIT = -1;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
${SPARSE_LOOPS_SOURCE}
const { memory, control, bytes, slot, argCount } = workerData;
const S = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
const F = new Float32Array(memory.buffer);
const I = new Int32Array(memory.buffer);
const ctl = new Int32Array(control);
const args = new Float64Array(control, 8 * (${ARGS} + slot * argCount), argCount);
let seen = 0;
Atomics.add(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  const op = Atomics.load(ctl, ${OPCODE});
  if (op === ${QUIT}) break;
  runOp(S, F, I, op, args);
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

const ARG_COUNT = 16;

/** The main thread's share plus `helpers` worker threads. */
export class SparsePool {
  readonly runOp: RunOp;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array[];
  private readonly workers: Worker[];
  readonly F: Float32Array;
  readonly I: Int32Array;

  constructor(
    readonly arena: Arena,
    readonly simd: SimdKernels,
    readonly helpers: number,
  ) {
    this.runOp = new Function(
      'S',
      'F',
      'I',
      'op',
      'A',
      `${SPARSE_LOOPS_SOURCE}\nreturn runOp(S, F, I, op, A);`,
    ) as RunOp;
    const control = new SharedArrayBuffer(8 * (ARGS + (helpers + 1) * ARG_COUNT));
    this.ctl = new Int32Array(control);
    this.args = Array.from(
      { length: helpers + 1 },
      (_, slot) => new Float64Array(control, 8 * (ARGS + slot * ARG_COUNT), ARG_COUNT),
    );
    this.F = new Float32Array(arena.memory.buffer);
    this.I = new Int32Array(arena.memory.buffer);
    const bytes = assembleKernels(arena.pages, true);
    this.workers = Array.from({ length: helpers }, (_, slot) => {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory: arena.memory, control, bytes, slot: slot + 1, argCount: ARG_COUNT },
      });
      w.unref();
      return w;
    });
  }

  private ready = false;

  /**
   * Block until `slot` reaches `target`. The event loop is blocked meanwhile, so a helper that died cannot be
   * observed through events: a generous timeout turns a hang into an error that names the way out.
   */
  private waitFor(slot: number, target: number, what: string): void {
    const deadline = Date.now() + 120_000;
    for (let v = Atomics.load(this.ctl, slot); v < target; v = Atomics.load(this.ctl, slot)) {
      if (Date.now() > deadline)
        throw new AtlasError(
          'BACKEND_UNAVAILABLE',
          `cpu backend: a helper thread did not ${what} within 120 s; run with --threads 1`,
        );
      Atomics.wait(this.ctl, slot, v, 1000);
    }
  }

  /** Run `op` split into helpers + 1 shares; share(i) gives share i's [a, b) and the common arguments. */
  run(op: number, shares: [number, number][], common: number[]): void {
    const parts = shares.length;
    if (parts === 1 || this.helpers === 0) {
      const A = this.args[0];
      for (const [a, b] of shares) {
        A[0] = a;
        A[1] = b;
        A.set(common, 2);
        A[ARG_COUNT - 1] = 0;
        this.runOp(this.simd, this.F, this.I, op, A);
      }
      return;
    }
    if (!this.ready) {
      this.waitFor(READY, this.helpers, 'start');
      this.ready = true;
    }
    for (let h = 0; h < this.helpers; h++) {
      const A = this.args[h + 1];
      A[0] = shares[h + 1][0];
      A[1] = shares[h + 1][1];
      A.set(common, 2);
      A[ARG_COUNT - 1] = h + 1;
    }
    Atomics.store(this.ctl, DONE, 0);
    Atomics.store(this.ctl, OPCODE, op);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    const A = this.args[0];
    A[0] = shares[0][0];
    A[1] = shares[0][1];
    A.set(common, 2);
    A[ARG_COUNT - 1] = 0;
    this.runOp(this.simd, this.F, this.I, op, A);
    this.waitFor(DONE, this.helpers, 'finish its share');
  }

  /** Split [0, n) into helpers + 1 contiguous shares, each a multiple of `align` except the last. */
  split(n: number, align = 1): [number, number][] {
    const parts = this.helpers + 1;
    const out: [number, number][] = [];
    let a = 0;
    for (let i = 0; i < parts; i++) {
      const b = i === parts - 1 ? n : Math.min(n, Math.round((n * (i + 1)) / parts / align) * align);
      out.push([a, b]);
      a = b;
    }
    return out;
  }

  dispose(): void {
    Atomics.store(this.ctl, OPCODE, QUIT);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    for (const w of this.workers) void w.terminate();
  }
}
