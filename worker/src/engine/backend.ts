// The kernel interface every backend implements (one file each in ./kernels; backendRegistry.ts loads them by name).
// Training receives a `Backend`. Each kernel signature is written here once: DenseKernels, the backends and the
// reference kernels take theirs from `Backend` (Pick and indexed access types).
import { AtlasError } from '../errors.js';

export type BackendName = 'reference' | 'cpu' | 'tfjs';

/**
 * Sparse codes: per token a fixed-width list of (latent, value). Padding entries have value 0 (and any index),
 * so every kernel may process them without changing the result.
 */
export interface SparseCodes {
  /** Tokens. */
  n: number;
  /** Entries per token. */
  width: number;
  /** indices: [n, width] latent ids. */
  indices: Int32Array;
  /** values: [n, width] activations. */
  values: Float32Array;
}

/** Sums from the loss pass (see Backend.residual). */
export interface Residual {
  sse: number;
  sumSq: number;
  /** sum: [dIn] Σ_t x[t] */
  sum: Float64Array;
  /** errSum: [dIn] Σ_t err[t] after scaling */
  errSum: Float64Array;
}

/** Adam hyper-parameters for one step (t counts from 1). */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  t: number;
}

/** The kernels of a training step. All matrices are row-major Float32Array. */
export interface Backend {
  readonly name: BackendName;
  /** One line for the start-up banner: library, threads, SIMD. */
  readonly description: string;
  /** A zeroed array the kernels run on fastest (e.g. inside the backend's WASM memory). */
  alloc(length: number): Float32Array;
  /** out[m,n] = a[m,kd] · bT[n,kd]ᵀ + bias[n] (bias may be null). */
  matmulT(
    a: Float32Array,
    bT: Float32Array,
    bias: Float32Array | null,
    m: number,
    kd: number,
    n: number,
  ): Promise<Float32Array>;
  /** out[m,n] = a·b with a [m,kd], or aᵀ·b with a stored [kd,m] when transA; b [kd,n]. For dense-phase SAEs. */
  matmul(a: Float32Array, b: Float32Array, transA: boolean, m: number, kd: number, n: number): Promise<Float32Array>;
  /** The k largest entries of relu(x[m,kd] · wT[n,kd]ᵀ + bias[n]) per row, as codes of width k (order unspecified). */
  encodeTopK(
    x: Float32Array,
    wT: Float32Array,
    bias: Float32Array,
    m: number,
    kd: number,
    n: number,
    k: number,
  ): Promise<SparseCodes>;
  /** out[t,:] = bias + Σ_j values[t,j] · w[indices[t,j], :]; w: [*, dIn], out: [n, dIn]. bias may be null (zero). */
  sparseDecode(codes: SparseCodes, w: Float32Array, bias: Float32Array | null, dIn: number, out: Float32Array): void;
  /** out[t,j] = g[t,:] · w[indices[t,j], :]; g: [n, dIn], out: [n, width]. */
  sparseRowDots(
    indices: Int32Array,
    n: number,
    width: number,
    g: Float32Array,
    w: Float32Array,
    dIn: number,
    out: Float32Array,
  ): void;
  /** grad[indices[t,j], :] += coef[t,j] · src[t, :]; src: [n, dIn], grad: [*, dIn]. */
  sparseScatterRows(
    indices: Int32Array,
    coef: Float32Array,
    n: number,
    width: number,
    src: Float32Array,
    dIn: number,
    grad: Float32Array,
  ): void;
  /** out[t,:] = x[t,:] − shift; x, out: [n, dIn]. */
  center(x: Float32Array, shift: Float32Array, n: number, dIn: number, out: Float32Array): void;
  /**
   * The loss pass: on entry err holds x̂ [n, dIn]; on exit err = scale·(x̂ − x). Returns Σ‖x̂ − x‖², Σ‖x‖², and
   * per dimension Σ_t x and Σ_t err (after scaling), for the loss, the FVU and ∂L/∂b_dec.
   */
  residual(err: Float32Array, x: Float32Array, n: number, dIn: number, scale: number): Residual;
  /**
   * The forward pass from sparse codes to the latent gradients, fused: sparseDecode(codes, w, bias) into err,
   * residual(err, x, scale), then dots[t,j] = err[t] · w[indices[t,j]] (sparseRowDots). Same results as the
   * three calls; a backend may run them token by token so each token's decoder rows are read once.
   */
  reconstruct(
    codes: SparseCodes,
    w: Float32Array,
    bias: Float32Array | null,
    x: Float32Array,
    dIn: number,
    scale: number,
    err: Float32Array,
    dots: Float32Array,
  ): Residual;
  /** One Adam step (Kingma & Ba 2015, with bias correction) on param, updating the moments m and v in place. */
  adamStep(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void;
  /**
   * Adam on a matrix [rows, dIn] whose rows live on the unit sphere (the decoder): each row's gradient loses its
   * component along the row, the row takes the Adam step, then is scaled back to unit norm (a zero row stays
   * zero). grad is left projected.
   */
  adamStepUnitRows(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    step: AdamStep,
    dIn: number,
  ): void;
  /** Release native sessions and memory; the backend is unusable afterwards. */
  dispose(): void;
}

/** Options every backend factory accepts. */
export interface BackendOptions {
  /** Threads for the dense kernels (default: all cores). */
  threads?: number;
  /** tfjs only: load a GPU or native TensorFlow.js or fail, never the slower wasm fallback (auto-selection). */
  acceleratedOnly?: boolean;
}

/** Shape checks shared by all backends: a lazy message naming the op and the shapes (the tfjs mat_mul.ts way). */
export function assertLength(
  op: string,
  what: string,
  arr: ArrayLike<number>,
  expected: number,
  shape: string,
  exact = true,
): void {
  if (exact ? arr.length !== expected : arr.length < expected)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${op}: ${what} has ${arr.length} values but shape ${shape} needs ${expected}`,
    );
}
