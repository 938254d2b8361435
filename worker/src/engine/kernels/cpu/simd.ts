// Hand-assembled WebAssembly SIMD kernels for the sparse parts of a step (row axpy and dot, four-row axpy4 and
// dot4, Adam) and the row passes over the batch (centring, the loss pass).
// Assembled at load time from the opcode tables below (spec: WebAssembly core 2.0, §5.4 and the fixed-width
// SIMD proposal), so the repository carries no opaque binary and no build step. JS calls one kernel per
// (token, latent) pair or group of four; the per-call cost (~10 ns) is small next to a 512-float row.

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));

// Instructions used by the kernels.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const f32c = (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const i32add = [0x6a];
const i32shl = [0x74];
const i32geu = [0x4f];
const f32add = [0x92];
const vload = simd(0x00, 4, 0); // v128.load align=16 offset=0
const vstore = simd(0x0b, 4, 0);
const splat = simd(0x13);
const lane = (l: number) => simd(0x1f, l);
const vadd = simd(0xe4);
const vsub = simd(0xe5);
const vmul = simd(0xe6);
const vdiv = simd(0xe7);
const vsqrt = simd(0xe3);
/** `block loop (br_if 1 when cond) body (br 0) end end` */
const loopUntil = (cond: number[], body: number[]) => [
  0x02,
  0x40,
  0x03,
  0x40,
  ...cond,
  0x0d,
  1,
  ...body,
  0x0c,
  0,
  0x0b,
  0x0b,
];

interface Func {
  name: string;
  params: number[];
  results: number[];
  locals: number[];
  body: number[];
}

// axpy(y, x, a, n): y[0..n) += a * x[0..n); y, x byte addresses, n a multiple of 4.
// locals: 0 y, 1 x, 2 a, 3 n, 4 end(i32), 5 av(v128)
const axpy: Func = {
  name: 'axpy',
  params: [I32, I32, F32, I32],
  results: [],
  locals: [I32, V128],
  body: [
    ...get(2),
    ...splat,
    ...set(5),
    ...get(0),
    ...get(3),
    ...i32c(2),
    ...i32shl,
    ...i32add,
    ...set(4),
    ...loopUntil(
      [...get(0), ...get(4), ...i32geu],
      [
        ...get(0),
        ...get(0),
        ...vload,
        ...get(1),
        ...vload,
        ...get(5),
        ...vmul,
        ...vadd,
        ...vstore,
        ...get(0),
        ...i32c(16),
        ...i32add,
        ...set(0),
        ...get(1),
        ...i32c(16),
        ...i32add,
        ...set(1),
      ],
    ),
  ],
};

// dot(x, y, n) -> sum x[i] y[i]; n a multiple of 8 (two accumulators hide the add latency).
// locals: 0 x, 1 y, 2 n, 3 end, 4 acc0, 5 acc1
const dot: Func = {
  name: 'dot',
  params: [I32, I32, I32],
  results: [F32],
  locals: [I32, V128, V128],
  body: [
    ...f32c(0),
    ...splat,
    ...set(4),
    ...f32c(0),
    ...splat,
    ...set(5),
    ...get(0),
    ...get(2),
    ...i32c(2),
    ...i32shl,
    ...i32add,
    ...set(3),
    ...loopUntil(
      [...get(0), ...get(3), ...i32geu],
      [
        ...get(4),
        ...get(0),
        ...vload,
        ...get(1),
        ...vload,
        ...vmul,
        ...vadd,
        ...set(4),
        ...get(5),
        ...get(0),
        ...simd(0x00, 4, 16),
        ...get(1),
        ...simd(0x00, 4, 16),
        ...vmul,
        ...vadd,
        ...set(5),
        ...get(0),
        ...i32c(32),
        ...i32add,
        ...set(0),
        ...get(1),
        ...i32c(32),
        ...i32add,
        ...set(1),
      ],
    ),
    ...get(4),
    ...get(5),
    ...vadd,
    ...set(4),
    ...get(4),
    ...lane(0),
    ...get(4),
    ...lane(1),
    ...f32add,
    ...get(4),
    ...lane(2),
    ...get(4),
    ...lane(3),
    ...f32add,
    ...f32add,
  ],
};

// adam(p, g, m, v, n, lr, b1, b2, eps): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; p -= lr m / (sqrt v + eps).
// Bias correction is folded into lr and eps by the caller (Kingma & Ba 2015, end of §2). n a multiple of 4.
// locals: 0 p, 1 g, 2 m, 3 v, 4 n, 5 lr, 6 b1, 7 b2, 8 eps, 9 end, 10 gv, 11 mv, 12 vv, 13 b1v, 14 c1v, 15 b2v, 16 c2v, 17 lrv, 18 epsv
const adam: Func = {
  name: 'adam',
  params: [I32, I32, I32, I32, I32, F32, F32, F32, F32],
  results: [],
  locals: [I32, V128, V128, V128, V128, V128, V128, V128, V128, V128],
  body: [
    ...get(6),
    ...splat,
    ...set(13),
    ...f32c(1),
    ...get(6),
    ...[0x93],
    ...splat,
    ...set(14),
    ...get(7),
    ...splat,
    ...set(15),
    ...f32c(1),
    ...get(7),
    ...[0x93],
    ...splat,
    ...set(16),
    ...get(5),
    ...splat,
    ...set(17),
    ...get(8),
    ...splat,
    ...set(18),
    ...get(0),
    ...get(4),
    ...i32c(2),
    ...i32shl,
    ...i32add,
    ...set(9),
    ...loopUntil(
      [...get(0), ...get(9), ...i32geu],
      [
        ...get(1),
        ...vload,
        ...set(10),
        ...get(13),
        ...get(2),
        ...vload,
        ...vmul,
        ...get(14),
        ...get(10),
        ...vmul,
        ...vadd,
        ...set(11),
        ...get(2),
        ...get(11),
        ...vstore,
        ...get(15),
        ...get(3),
        ...vload,
        ...vmul,
        ...get(16),
        ...get(10),
        ...get(10),
        ...vmul,
        ...vmul,
        ...vadd,
        ...set(12),
        ...get(3),
        ...get(12),
        ...vstore,
        ...get(0),
        ...get(0),
        ...vload,
        ...get(17),
        ...get(11),
        ...vmul,
        ...get(12),
        ...vsqrt,
        ...get(18),
        ...vadd,
        ...vdiv,
        ...vsub,
        ...vstore,
        ...get(0),
        ...i32c(16),
        ...i32add,
        ...set(0),
        ...get(1),
        ...i32c(16),
        ...i32add,
        ...set(1),
        ...get(2),
        ...i32c(16),
        ...i32add,
        ...set(2),
        ...get(3),
        ...i32c(16),
        ...i32add,
        ...set(3),
      ],
    ),
  ],
};

// axpy4(y, x0, x1, x2, x3, a0, a1, a2, a3, n): y += a0 x0 + a1 x1 + a2 x2 + a3 x3 in one pass over y, so y is
// loaded and stored once per four rows. n a multiple of 4.
// locals: 0 y, 1-4 x0..x3, 5-8 a0..a3, 9 n, 10 off, 11 end, 12-15 splats
const axpy4: Func = {
  name: 'axpy4',
  params: [I32, I32, I32, I32, I32, F32, F32, F32, F32, I32],
  results: [],
  locals: [I32, I32, V128, V128, V128, V128],
  body: [
    ...get(5),
    ...splat,
    ...set(12),
    ...get(6),
    ...splat,
    ...set(13),
    ...get(7),
    ...splat,
    ...set(14),
    ...get(8),
    ...splat,
    ...set(15),
    ...i32c(0),
    ...set(10),
    ...get(9),
    ...i32c(2),
    ...i32shl,
    ...set(11),
    ...loopUntil(
      [...get(10), ...get(11), ...i32geu],
      [
        ...get(0),
        ...get(10),
        ...i32add,
        ...get(0),
        ...get(10),
        ...i32add,
        ...vload,
        ...get(1),
        ...get(10),
        ...i32add,
        ...vload,
        ...get(12),
        ...vmul,
        ...vadd,
        ...get(2),
        ...get(10),
        ...i32add,
        ...vload,
        ...get(13),
        ...vmul,
        ...vadd,
        ...get(3),
        ...get(10),
        ...i32add,
        ...vload,
        ...get(14),
        ...vmul,
        ...vadd,
        ...get(4),
        ...get(10),
        ...i32add,
        ...vload,
        ...get(15),
        ...vmul,
        ...vadd,
        ...vstore,
        ...get(10),
        ...i32c(16),
        ...i32add,
        ...set(10),
      ],
    ),
  ],
};

// dot4(g, w0, w1, w2, w3, n, out): out[0..4) = g·w0, g·w1, g·w2, g·w3, loading g once for four rows.
// locals: 0 g, 1-4 w0..w3, 5 n, 6 out, 7 off, 8 end, 9 gv, 10-13 accumulators
const hsum = (l: number) => [
  ...get(l),
  ...lane(0),
  ...get(l),
  ...lane(1),
  ...f32add,
  ...get(l),
  ...lane(2),
  ...get(l),
  ...lane(3),
  ...f32add,
  ...f32add,
];
const f32store = (offset: number) => [0x38, 2, ...uleb(offset)];
const dot4: Func = {
  name: 'dot4',
  params: [I32, I32, I32, I32, I32, I32, I32],
  results: [],
  locals: [I32, I32, V128, V128, V128, V128, V128],
  body: [
    ...f32c(0),
    ...splat,
    ...set(10),
    ...f32c(0),
    ...splat,
    ...set(11),
    ...f32c(0),
    ...splat,
    ...set(12),
    ...f32c(0),
    ...splat,
    ...set(13),
    ...i32c(0),
    ...set(7),
    ...get(5),
    ...i32c(2),
    ...i32shl,
    ...set(8),
    ...loopUntil(
      [...get(7), ...get(8), ...i32geu],
      [
        ...get(0),
        ...get(7),
        ...i32add,
        ...vload,
        ...set(9),
        ...get(10),
        ...get(1),
        ...get(7),
        ...i32add,
        ...vload,
        ...get(9),
        ...vmul,
        ...vadd,
        ...set(10),
        ...get(11),
        ...get(2),
        ...get(7),
        ...i32add,
        ...vload,
        ...get(9),
        ...vmul,
        ...vadd,
        ...set(11),
        ...get(12),
        ...get(3),
        ...get(7),
        ...i32add,
        ...vload,
        ...get(9),
        ...vmul,
        ...vadd,
        ...set(12),
        ...get(13),
        ...get(4),
        ...get(7),
        ...i32add,
        ...vload,
        ...get(9),
        ...vmul,
        ...vadd,
        ...set(13),
        ...get(7),
        ...i32c(16),
        ...i32add,
        ...set(7),
      ],
    ),
    ...get(6),
    ...hsum(10),
    ...f32store(0),
    ...get(6),
    ...hsum(11),
    ...f32store(4),
    ...get(6),
    ...hsum(12),
    ...f32store(8),
    ...get(6),
    ...hsum(13),
    ...f32store(12),
  ],
};

// sub(out, x, s, n): out[0..n) = x[0..n) − s[0..n) (centring a row). n a multiple of 4.
// locals: 0 out, 1 x, 2 s, 3 n, 4 end
const sub: Func = {
  name: 'sub',
  params: [I32, I32, I32, I32],
  results: [],
  locals: [I32],
  body: [
    ...get(0),
    ...get(3),
    ...i32c(2),
    ...i32shl,
    ...i32add,
    ...set(4),
    ...loopUntil(
      [...get(0), ...get(4), ...i32geu],
      [
        ...get(0),
        ...get(1),
        ...vload,
        ...get(2),
        ...vload,
        ...vsub,
        ...vstore,
        ...get(0),
        ...i32c(16),
        ...i32add,
        ...set(0),
        ...get(1),
        ...i32c(16),
        ...i32add,
        ...set(1),
        ...get(2),
        ...i32c(16),
        ...i32add,
        ...set(2),
      ],
    ),
  ],
};

// residual(err, x, sum, gSum, n, scale, acc): one token of the loss pass. d = err − x; err = scale·d;
// sum += x; gSum += scale·d elementwise; acc[0] = Σd², acc[1] = Σx² (float32 over the row). n a multiple of 4.
// locals: 0 err, 1 x, 2 sum, 3 gSum, 4 n, 5 scale, 6 acc, 7 end, 8 xv, 9 d, 10 sse, 11 sq, 12 scale splat
const residual: Func = {
  name: 'residual',
  params: [I32, I32, I32, I32, I32, F32, I32],
  results: [],
  locals: [I32, V128, V128, V128, V128, V128],
  body: [
    ...get(5),
    ...splat,
    ...set(12),
    ...f32c(0),
    ...splat,
    ...set(10),
    ...f32c(0),
    ...splat,
    ...set(11),
    ...get(0),
    ...get(4),
    ...i32c(2),
    ...i32shl,
    ...i32add,
    ...set(7),
    ...loopUntil(
      [...get(0), ...get(7), ...i32geu],
      [
        ...get(1),
        ...vload,
        ...set(8),
        ...get(0),
        ...vload,
        ...get(8),
        ...vsub,
        ...set(9),
        ...get(10),
        ...get(9),
        ...get(9),
        ...vmul,
        ...vadd,
        ...set(10),
        ...get(11),
        ...get(8),
        ...get(8),
        ...vmul,
        ...vadd,
        ...set(11),
        ...get(2),
        ...get(2),
        ...vload,
        ...get(8),
        ...vadd,
        ...vstore,
        ...get(9),
        ...get(12),
        ...vmul,
        ...set(9),
        ...get(0),
        ...get(9),
        ...vstore,
        ...get(3),
        ...get(3),
        ...vload,
        ...get(9),
        ...vadd,
        ...vstore,
        ...get(0),
        ...i32c(16),
        ...i32add,
        ...set(0),
        ...get(1),
        ...i32c(16),
        ...i32add,
        ...set(1),
        ...get(2),
        ...i32c(16),
        ...i32add,
        ...set(2),
        ...get(3),
        ...i32c(16),
        ...i32add,
        ...set(3),
      ],
    ),
    ...get(6),
    ...hsum(10),
    ...f32store(0),
    ...get(6),
    ...hsum(11),
    ...f32store(4),
  ],
};

const funcs = [axpy, dot, adam, axpy4, dot4, sub, residual];

function localDecls(locals: number[]): number[][] {
  // Run-length encode the local types.
  const groups: number[][] = [];
  for (const t of locals) {
    const last = groups[groups.length - 1];
    if (last && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  return groups.map(([count, t]) => [...uleb(count), t]);
}

/** The kernel module's bytes; memory is imported as env.memory (shared when `shared`). */
export function assembleKernels(maxPages: number, shared: boolean): Uint8Array {
  const types = section(
    1,
    vec(funcs.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))])),
  );
  const limits = shared ? [0x03, ...uleb(1), ...uleb(maxPages)] : [0x01, ...uleb(1), ...uleb(maxPages)];
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]]));
  const functions = section(3, vec(funcs.map((_, i) => uleb(i))));
  const exports = section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])));
  const code = section(
    10,
    vec(
      funcs.map((f) => {
        const body = [...vec(localDecls(f.locals)), ...f.body, 0x0b];
        return [...uleb(body.length), ...body];
      }),
    ),
  );
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...types,
    ...imports,
    ...functions,
    ...exports,
    ...code,
  ]);
}

/** The kernels, called with byte addresses into the shared memory. */
export interface SimdKernels {
  axpy(y: number, x: number, a: number, n: number): void;
  dot(x: number, y: number, n: number): number;
  adam(p: number, g: number, m: number, v: number, n: number, lr: number, b1: number, b2: number, eps: number): void;
  axpy4(
    y: number,
    x0: number,
    x1: number,
    x2: number,
    x3: number,
    a0: number,
    a1: number,
    a2: number,
    a3: number,
    n: number,
  ): void;
  dot4(g: number, w0: number, w1: number, w2: number, w3: number, n: number, out: number): void;
  sub(out: number, x: number, s: number, n: number): void;
  residual(err: number, x: number, sum: number, gSum: number, n: number, scale: number, acc: number): void;
}

/** Instantiate the kernels over `memory` (synchronously: the module is a few hundred bytes). */
export function instantiateKernels(memory: WebAssembly.Memory, maxPages: number, shared: boolean): SimdKernels {
  const module = new WebAssembly.Module(assembleKernels(maxPages, shared));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as SimdKernels;
}
