// The shared training loop for every SAE variant: the training craft of Gao et al. 2024 (unit-norm decoder
// rows, encoder initialised as the decoder's transpose, b_dec at the geometric median, AuxK on dead latents,
// Adam with warm-up and decay), seeded so a run is reproducible, with checkpoints that resume exactly. A transcoder
// (Architecture.transcodes) trains in the same loop on paired rows: it encodes the input and reconstructs the target.
import { z } from 'zod';
import { AtlasError } from '../errors.js';
import type { ActivationStore } from './activationStore.js';
import type { Backend, Residual, SparseCodes } from './backend.js';
import { densitySummary, FiringTracker, geometricMedian } from './metrics.js';
import { Rng } from './rng.js';
import type { Architecture, Encoded, SaeParams, StepContext } from './sae/architecture.js';
import { getArchitecture } from './sae/registry.js';
import { DEFAULT_BATCH_SIZE, defaultLearningRate } from './defaultSchedule.js';
import { PlateauOptions, PlateauRule, type FinalDecay, type PlateauState } from './plateauRule.js';
import { deriveTrainingSeed } from './trainingSeed.js';
import type { TrainedWeights } from './sae/saelensFormat.js';

/** Options common to every variant; defaults are derived in `resolveTrainConfig`. */
export const TrainConfig = z.object({
  arch: z.string().default('topk'),
  /** Latents (d_sae). */
  dSae: z.number().int().positive(),
  /** The variant's own options (k for TopK, l1Coefficient for ReLU, ...), checked by its schema. */
  archOptions: z.record(z.string(), z.unknown()).default({}),
  batchSize: z.number().int().positive().default(DEFAULT_BATCH_SIZE),
  /** Training tokens in all (whole batches). */
  tokens: z.number().int().positive(),
  /** Peak learning rate; default `defaultLearningRate(dSae)`. */
  lr: z.number().positive().optional(),
  /** Linear warm-up steps; default 5% of steps, at most 1000. */
  warmupSteps: z.number().int().nonnegative().optional(),
  /** Linear decay to zero over this final fraction of steps (SAELens' lr_decay_steps as a fraction). */
  decayFraction: z.number().min(0).max(1).default(0.2),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.999),
  /** Adam ε of Gao et al. 2024. */
  eps: z.number().positive().default(6.25e-10),
  /** Random seed; default derived from the other settings and the data (trainingSeed.ts). */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  /** A latent is dead when it has not fired within this many tokens; default min(10M, tokens / 4). */
  deadWindowTokens: z.number().int().positive().optional(),
  /** Latents in the AuxK reconstruction; default dIn / 2 (Gao et al. use 512 for d_model 768..). */
  auxK: z.number().int().positive().optional(),
  /** AuxK loss weight, 1/32 in Gao et al. 2024 (§A.2). */
  auxCoefficient: z
    .number()
    .nonnegative()
    .default(1 / 32),
  /** Rows for the geometric-median init of b_dec. */
  medianSampleRows: z.number().int().positive().default(4096),
  /**
   * Stop when the held-out FVU reaches its plateau (plateauRule.ts) rather than after `tokens`, which is then the
   * cap; null: train for exactly `tokens`.
   */
  plateau: PlateauOptions.nullable().default(null),
  /** Rows kept out of training to measure the held-out FVU (ActivationStore's holdOutRows). */
  holdOutRows: z.number().int().nonnegative().default(0),
});
export type TrainConfig = z.infer<typeof TrainConfig>;

/** TrainConfig with every default filled in. */
export type ResolvedTrainConfig = Required<TrainConfig> & { steps: number };

/**
 * Fill in derived defaults and check the variant's options; ARGUMENT_INVALID names the bad field. `data` says what
 * the activations are (provenance and shape), for the derived seed.
 */
export function resolveTrainConfig(
  input: z.input<typeof TrainConfig>,
  dIn: number,
  data = `${dIn} dimensions`,
): ResolvedTrainConfig {
  const parsed = TrainConfig.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new AtlasError('ARGUMENT_INVALID', `training option ${i.path.join('.')}: ${i.message}`);
  }
  const c = parsed.data;
  const arch = getArchitecture(c.arch);
  const opts = arch.options.safeParse(c.archOptions);
  if (!opts.success) {
    const i = opts.error.issues[0];
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `--arch ${c.arch} option ${i.path.join('.') || '(options)'}: ${i.message}`,
    );
  }
  const steps = Math.max(1, Math.floor(c.tokens / c.batchSize));
  return {
    ...c,
    archOptions: opts.data as Record<string, unknown>,
    steps,
    seed:
      c.seed ??
      deriveTrainingSeed({
        arch: c.arch,
        dSae: c.dSae,
        archOptions: opts.data as Record<string, unknown>,
        batchSize: c.batchSize,
        tokens: c.tokens,
        lr: c.lr,
        data,
      }),
    lr: c.lr ?? defaultLearningRate(c.dSae),
    warmupSteps: c.warmupSteps ?? Math.min(1000, Math.floor(steps * 0.05)),
    deadWindowTokens: c.deadWindowTokens ?? Math.max(c.batchSize, Math.min(10_000_000, Math.floor(c.tokens / 4))),
    auxK: c.auxK ?? Math.max(1, Math.floor(dIn / 2)),
  };
}

/** One point of the training curves. */
export interface CurvePoint {
  step: number;
  tokens: number;
  loss: number;
  mse: number;
  fvu: number;
  l0: number;
  deadFraction: number;
  lr: number;
}

/** Figures of one step, with wall time split by phase (ms). */
export interface StepStats extends CurvePoint {
  auxLoss: number;
  ms: { encoder: number; sparse: number; optimiser: number; other: number };
}

const PARAM_NAMES = ['wEncT', 'bEnc', 'wDec', 'bDec'] as const;

function allNames(p: SaeParams): string[] {
  return [...PARAM_NAMES, ...Object.keys(p.extra).map((k) => `extra.${k}`)];
}
function getParam(p: SaeParams, name: string): Float32Array {
  return name.startsWith('extra.') ? p.extra[name.slice(6)] : p[name as (typeof PARAM_NAMES)[number]];
}

/** A resumable snapshot: tensors plus JSON-able counters. */
export interface Checkpoint {
  meta: {
    step: number;
    scale: number;
    /** A transcoder's target normalisation factor (absent: `scale`). */
    targetScale?: number;
    config: ResolvedTrainConfig;
    curves: CurvePoint[];
    /** Held-out measurements and the final decay, when the run stops at its plateau (absent in older ones). */
    plateau?: PlateauState & { finalDecay: FinalDecay | null };
    tracker: {
      tokens: number;
      windowStart: number;
      lastFired: number[];
      counts: number[];
      lastCounts: number[] | null;
    };
  };
  tensors: Record<string, Float32Array>;
}

/** Trains one SAE; `step()` runs one batch. */
export class Trainer {
  readonly arch: Architecture<Record<string, unknown>>;
  readonly params: SaeParams;
  private readonly grads: SaeParams;
  private readonly m: SaeParams;
  private readonly v: SaeParams;
  readonly tracker: FiringTracker;
  readonly curves: CurvePoint[] = [];
  step = 0;
  /** The plateau rule when the run stops at its plateau (cfg.plateau), else null. */
  plateau: PlateauRule | null;
  /** The final decay once the plateau rule has started it; before that the cap's own decay applies. */
  finalDecay: FinalDecay | null = null;
  private heldOut: { rows: Float32Array; n: number; heldOut: boolean } | null = null;
  /** The batch as the store serves it: [n, dIn] rows, or [n, dIn + dOut] input-then-target rows for a transcoder. */
  private readonly x: Float32Array;
  private readonly xIn: Float32Array;
  /** A transcoder's target rows [n, dOut], less the skip term when there is one (what the codes must decode to). */
  private readonly y: Float32Array;
  private readonly err: Float32Array;
  private readonly aux: Float32Array;
  private readonly wDeadT: Float32Array;
  private readonly bDead: Float32Array;
  private readonly identity: SparseCodes;
  private readonly pull: Float32Array;

  /** The decoder's width: the target's for a transcoder, else dIn. */
  readonly dOut: number;
  /** The target's normalisation factor (a transcoder's own; `scale` for an SAE). */
  readonly targetScale: number;

  private constructor(
    readonly backend: Backend,
    readonly store: ActivationStore,
    readonly cfg: ResolvedTrainConfig,
    /** The encoder's input width. */
    readonly dIn: number,
    readonly scale: number,
  ) {
    this.arch = getArchitecture(cfg.arch);
    const target = store.source.target;
    if (!!this.arch.transcodes !== !!target)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        this.arch.transcodes
          ? `--arch ${cfg.arch} trains on paired activations (an input and a target hook); extract them with --target-hook`
          : `--arch ${cfg.arch} reconstructs one hook, but the activations are paired; train them with --arch transcoder`,
      );
    this.dOut = target?.width ?? dIn;
    this.targetScale = target ? store.targetScale : scale;
    const dOut = this.dOut;
    const alloc = (n: number) => backend.alloc(n);
    const blank = (): SaeParams => ({
      wEncT: alloc(cfg.dSae * dIn),
      bEnc: alloc(cfg.dSae),
      wDec: alloc(cfg.dSae * dOut),
      bDec: alloc(dOut),
      extra: {},
    });
    this.params = blank();
    this.grads = blank();
    this.m = blank();
    this.v = blank();
    this.tracker = new FiringTracker(cfg.dSae, cfg.deadWindowTokens);
    this.plateau = cfg.plateau ? new PlateauRule(cfg.plateau) : null;
    const n = cfg.batchSize;
    this.x = alloc(n * store.dIn);
    this.xIn = alloc(n * dIn);
    this.y = target ? alloc(n * dOut) : new Float32Array(0);
    this.err = alloc(n * dOut);
    this.aux = this.arch.auxK ? alloc(n * dOut) : new Float32Array(0);
    this.wDeadT = this.arch.auxK ? alloc(cfg.dSae * dIn) : new Float32Array(0);
    this.bDead = this.arch.auxK ? alloc(cfg.dSae) : new Float32Array(0);
    this.pull = alloc(dIn);
    const ids = new Int32Array(cfg.dSae).map((_, i) => i);
    this.identity = { n: cfg.dSae, width: 1, indices: ids, values: new Float32Array(cfg.dSae) };
  }

  /** A trainer with fresh weights (seeded), or restored from a checkpoint (the store is advanced to match). */
  static create(
    backend: Backend,
    store: ActivationStore,
    cfg: ResolvedTrainConfig,
    init: { medianSample: Float32Array; medianRows: number } | Checkpoint,
  ): Trainer {
    const dIn = store.dIn - (store.source.target?.width ?? 0);
    if ('meta' in init) {
      const t = new Trainer(backend, store, init.meta.config, dIn, init.meta.scale);
      t.arch.init(t.params, t.cfg.archOptions, dIn, t.cfg.dSae, new Rng(t.cfg.seed), (n) => backend.alloc(n), t.dOut);
      t.allocExtras();
      for (const [name, data] of Object.entries(init.tensors)) {
        const [group, ...rest] = name.split('/');
        const target = getParam({ params: t.params, m: t.m, v: t.v }[group as 'params'] ?? t.params, rest.join('/'));
        if (!target || target.length !== data.length)
          throw new AtlasError(
            'CHECKPOINT_INVALID',
            `checkpoint tensor ${name} has ${data.length} values, expected ${target?.length ?? 'no such tensor'}; the checkpoint is from another configuration, start without --resume`,
          );
        target.set(data);
      }
      t.step = init.meta.step;
      t.curves.push(...init.meta.curves);
      if (t.cfg.plateau && init.meta.plateau) {
        t.plateau = new PlateauRule(t.cfg.plateau, init.meta.plateau);
        t.finalDecay = init.meta.plateau.finalDecay;
      }
      const tr = init.meta.tracker;
      t.tracker.tokens = tr.tokens;
      t.tracker.windowStart = tr.windowStart;
      t.tracker.lastFired.set(tr.lastFired);
      t.tracker.counts.set(tr.counts);
      t.tracker.lastCounts = tr.lastCounts ? Float64Array.from(tr.lastCounts) : null;
      store.skip(t.step);
      return t;
    }
    const t = new Trainer(backend, store, cfg, dIn, store.scale);
    const rng = new Rng(cfg.seed);
    const { wDec, wEncT, bDec } = t.params;
    const dOut = t.dOut;
    const unitRows = (into: Float32Array, width: number) => {
      for (let l = 0; l < cfg.dSae; l++) {
        const row = rng.normals(width);
        let s = 0;
        for (let p = 0; p < width; p++) s += row[p] * row[p];
        const inv = 1 / Math.sqrt(s);
        for (let p = 0; p < width; p++) into[l * width + p] = row[p] * inv;
      }
    };
    // Decoder rows: random directions at unit norm; the encoder starts as the decoder's transpose (Gao et al. §A.1).
    // A transcoder's encoder reads another space than its decoder writes, so it gets directions of its own.
    unitRows(wDec, dOut);
    if (t.arch.transcodes) unitRows(wEncT, dIn);
    else wEncT.set(wDec);
    // b_dec starts at the geometric median of what is reconstructed: the target columns of paired rows.
    const { medianSample, medianRows } = init;
    const width = store.dIn;
    const targets = t.arch.transcodes
      ? Float32Array.from({ length: medianRows * dOut }, (_, i) => medianSample[Math.floor(i / dOut) * width + dIn + (i % dOut)]) // prettier-ignore
      : medianSample;
    bDec.set(geometricMedian(targets, medianRows, dOut));
    t.arch.init(t.params, cfg.archOptions, dIn, cfg.dSae, rng, (n) => backend.alloc(n), dOut);
    t.allocExtras();
    return t;
  }

  private allocExtras(): void {
    for (const [k, p] of Object.entries(this.params.extra)) {
      this.grads.extra[k] = this.backend.alloc(p.length);
      this.m.extra[k] = this.backend.alloc(p.length);
      this.v.extra[k] = this.backend.alloc(p.length);
    }
  }

  /**
   * Learning rate at `step`: linear warm-up, constant, linear decay to zero over the last decayFraction of the
   * steps (or over the final decay the plateau rule started).
   */
  lrAt(step: number): number {
    const { lr, warmupSteps, steps, decayFraction } = this.cfg;
    let f = warmupSteps > 0 ? Math.min(1, (step + 1) / warmupSteps) : 1;
    const [start, end] = this.finalDecay
      ? [this.finalDecay.start, this.finalDecay.end]
      : [decayFraction > 0 ? Math.floor(steps * (1 - decayFraction)) : steps, steps];
    if (step >= start) f *= Math.max(0, (end - step) / Math.max(1, end - start));
    return lr * f * (this.plateau?.factorAt(step) ?? 1);
  }

  /**
   * Fraction of the run done, for the variants' warm-ups: of the configured steps, or of the plateau rule's
   * nominal length while the real one is unknown.
   */
  get progress(): number {
    const p = this.cfg.plateau;
    return p ? Math.min(1, this.step / p.nominalSteps) : this.step / this.cfg.steps;
  }

  /** Steps this run takes: the configured steps (the cap), or the end of the final decay once it has started. */
  get plannedSteps(): number {
    return this.finalDecay?.end ?? this.cfg.steps;
  }

  get done(): boolean {
    return this.step >= this.plannedSteps;
  }

  /**
   * Held-out FVU of the current weights: the rows the store kept out of training, or (when the corpus is too
   * small to spare any) a fixed sample of the training rows.
   */
  async heldOutFvu(): Promise<number> {
    const { backend, cfg, dIn, params } = this;
    if (!this.heldOut) {
      const h = this.store.heldOutRows();
      this.heldOut = h.n > 0 ? { ...h, heldOut: true } : { ...this.store.sampleRows(cfg.batchSize), heldOut: false };
    }
    const { rows, n } = this.heldOut;
    const { dOut } = this;
    const width = this.store.dIn;
    const block = cfg.batchSize;
    const { xIn, xHat, y } = this.evalBuffers();
    let sse = 0;
    const moments = { sum: new Float64Array(dOut), sumSq: 0 };
    for (let at = 0; at < n; at += block) {
      const m = Math.min(block, n - at);
      const x = rows.subarray(at * width, (at + m) * width);
      const xInM = xIn.subarray(0, m * dIn);
      const target = await this.inputs(x, m, xInM, y.subarray(0, m * dOut));
      const ctx: StepContext = { backend, n: m, dIn, dSae: cfg.dSae, xIn: xInM, params, progress: this.progress };
      const codes = await this.arch.encode(ctx, cfg.archOptions);
      const out = xHat.subarray(0, m * dOut);
      backend.sparseDecode(codes, params.wDec, params.bDec, dOut, out);
      for (let i = 0; i < m * dOut; i++) {
        const e = out[i] - target[i];
        sse += e * e;
      }
      this.targetMoments(x, m, moments);
    }
    let sst = moments.sumSq;
    for (let p = 0; p < dOut; p++) sst -= (moments.sum[p] * moments.sum[p]) / n;
    return sst > 0 ? sse / sst : 0;
  }

  /**
   * The encoder's input and the reconstruction target of rows [m, store width], into xIn [m, dIn] and y [m, dOut]:
   * x − b_dec and x itself for an SAE; for a transcoder the input columns, and the target columns less the skip
   * term x·W_skipᵀ (so the codes decode to what the skip leaves, and the residual is that of the whole output).
   */
  private async inputs(rows: Float32Array, m: number, xIn: Float32Array, y: Float32Array): Promise<Float32Array> {
    const { backend, dIn, dOut, params } = this;
    if (!this.arch.transcodes) {
      backend.center(rows, params.bDec, m, dIn, xIn);
      return rows;
    }
    const width = dIn + dOut;
    for (let t = 0; t < m; t++) {
      xIn.set(rows.subarray(t * width, t * width + dIn), t * dIn);
      y.set(rows.subarray(t * width + dIn, (t + 1) * width), t * dOut);
    }
    const wSkip = params.extra.wSkip;
    if (wSkip) {
      const skip = await backend.matmulT(xIn, wSkip, null, m, dIn, dOut);
      for (let i = 0; i < m * dOut; i++) y[i] -= skip[i];
    }
    return y;
  }

  /** Add the target columns of rows [m, store width] to per-dimension sums and the sum of squares (for the FVU). */
  private targetMoments(rows: Float32Array, m: number, into: { sum: Float64Array; sumSq: number }): void {
    const { dOut } = this;
    const width = this.store.dIn;
    const from = width - dOut;
    for (let t = 0; t < m; t++)
      for (let p = 0; p < dOut; p++) {
        const v = rows[t * width + from + p];
        into.sum[p] += v;
        into.sumSq += v * v;
      }
  }

  private evalScratch: { xIn: Float32Array; xHat: Float32Array; y: Float32Array } | null = null;
  private evalBuffers(): { xIn: Float32Array; xHat: Float32Array; y: Float32Array } {
    const n = this.cfg.batchSize;
    const alloc = (len: number) => this.backend.alloc(len);
    return (this.evalScratch ??= { xIn: alloc(n * this.dIn), xHat: alloc(n * this.dOut), y: alloc(n * this.dOut) });
  }

  /** Measure the held-out FVU when due, and let the plateau rule start the final decay. */
  private async watchPlateau(): Promise<void> {
    const rule = this.plateau;
    if (!rule || this.finalDecay || this.step % rule.options.evalEvery !== 0) return;
    const { steps, decayFraction } = this.cfg;
    // Once the cap's own decay has begun, it stands.
    if (this.step >= Math.floor(steps * (1 - decayFraction))) return;
    const fvu = await this.heldOutFvu();
    const decision = rule.observe({ step: this.step, fvu, deadFraction: this.tracker.deadFraction() });
    if (decision.kind === 'decay') this.finalDecay = { start: decision.start, end: Math.min(decision.end, steps) };
  }

  /** One batch: forward, backward, AuxK, Adam, decoder renormalisation. */
  async runStep(): Promise<StepStats> {
    const { backend, cfg, params, grads } = this;
    const n = cfg.batchSize;
    const t0 = performance.now();
    this.store.nextBatch(this.x);
    const g = await this.computeGradients();
    const { codes, ctx, mse, fvu, penalty, auxLoss } = g;
    const [t1, t2, t3] = [g.t1, g.t2, g.t3];

    const lr = this.lrAt(this.step);
    const adamStep = { lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps, t: this.step + 1 };
    for (const name of allNames(params)) {
      const p = getParam(params, name);
      const [g, m, v] = [getParam(grads, name), getParam(this.m, name), getParam(this.v, name)];
      // Decoder rows stay on the unit sphere: the gradient is projected onto the tangent space, and the rows
      // renormalised after the step.
      if (name === 'wDec' && this.arch.unitNormDecoder) backend.adamStepUnitRows(p, g, m, v, adamStep, this.dOut);
      else backend.adamStep(p, g, m, v, adamStep);
    }
    this.arch.afterStep?.(ctx, cfg.archOptions, codes);
    const t4 = performance.now();

    this.tracker.record(codes.indices, codes.values, n, codes.width);
    let active = 0;
    for (let i = 0; i < codes.values.length; i++) if (codes.values[i] > 0) active++;
    this.step++;
    const loss = mse + penalty + auxLoss;
    if (!Number.isFinite(loss))
      throw new AtlasError(
        'TRAINING_DIVERGED',
        `loss became ${loss} at step ${this.step} (lr ${lr.toExponential(2)}); lower --lr or check the activations`,
      );
    const point: CurvePoint = {
      step: this.step,
      tokens: this.step * n,
      loss,
      mse,
      fvu,
      l0: active / n,
      deadFraction: this.tracker.deadFraction(),
      lr,
    };
    await this.watchPlateau();
    const t5 = performance.now();
    return {
      ...point,
      auxLoss,
      ms: { encoder: t2 - t1, sparse: t3 - t2, optimiser: t4 - t3, other: t1 - t0 + (t5 - t4) },
    };
  }

  /** The current batch [batchSize, dIn] (scaled), as the last step saw it. */
  get batch(): Float32Array {
    return this.x;
  }

  /** Gradients of the last computeGradients() (before the decoder projection), by parameter. */
  get gradients(): SaeParams {
    return this.grads;
  }

  /**
   * Loss gradients for the batch in `batch` (main loss, the variant's penalty and AuxK), into `gradients`;
   * parameters are not changed. runStep calls it; the gradient check in train.test.ts calls it alone.
   */
  async computeGradients() {
    const { backend, cfg, dIn, dOut, params, grads } = this;
    const n = cfg.batchSize;
    const dSae = cfg.dSae;
    const { x, xIn, err } = this;
    const bDec = params.bDec;
    const target = await this.inputs(x, n, xIn, this.y);
    const ctx: StepContext = { backend, n, dIn, dSae, xIn, params, progress: this.progress };
    const t1 = performance.now();
    const codes: Encoded = await this.arch.encode(ctx, cfg.archOptions);
    const t2 = performance.now();

    // Reconstruction and its gradient g = d(mean_t ‖x̂_t − x_t‖²)/dx̂ = 2(x̂ − x)/n, kept in err; the same pass
    // gathers the batch's SSE, the sums for its variance (FVU) and ∂L/∂b_dec = Σ_t g_t.
    // Sparse kernels cost n·width·dIn per pass, GEMMs n·dSae·dIn at ~10× the rate: past width ≈ dSae/8 (ReLU
    // and JumpReLU early in training, when half the latents fire) the dense route is the faster one.
    const dense = codes.width * 8 > dSae;
    const f = dense ? denseRows(codes.indices, codes.values, n, codes.width, dSae) : null;
    // gValues[t,j] = ∂L/∂(activation j of token t) = g_t · W_dec[latent]: on the sparse route reconstruct
    // computes it with the decode, while each token's decoder rows are still in cache.
    const gValues = new Float32Array(n * codes.width);
    let r: Residual;
    if (f) {
      err.set(await backend.matmul(f, params.wDec, false, n, dSae, dOut));
      for (let t = 0; t < n; t++) for (let p = 0; p < dOut; p++) err[t * dOut + p] += bDec[p];
      r = backend.residual(err, target, n, dOut, 2 / n);
    } else r = backend.reconstruct(codes, params.wDec, bDec, target, dOut, 2 / n, err, gValues);
    for (const name of allNames(grads)) getParam(grads, name).fill(0);
    const gbDec = grads.bDec;
    for (let p = 0; p < dOut; p++) gbDec[p] = r.errSum[p];
    // A transcoder's residual pass saw the target less the skip term: its variance comes from the rows themselves.
    const moments = this.arch.transcodes ? { sum: new Float64Array(dOut), sumSq: 0 } : r;
    if (this.arch.transcodes) this.targetMoments(x, n, moments as { sum: Float64Array; sumSq: number });
    let sst = moments.sumSq;
    for (let p = 0; p < dOut; p++) sst -= (moments.sum[p] * moments.sum[p]) / n;
    const mse = r.sse / n;
    const fvu = sst > 0 ? r.sse / sst : 0;
    if (f) {
      addInto(grads.wDec, await backend.matmul(f, err, true, dSae, n, dOut));
      const gf = await backend.matmulT(err, params.wDec, null, n, dOut, dSae);
      for (let t = 0; t < n; t++)
        for (let j = 0; j < codes.width; j++)
          gValues[t * codes.width + j] = gf[t * dSae + codes.indices[t * codes.width + j]];
    } else backend.sparseScatterRows(codes.indices, codes.values, n, codes.width, err, dOut, grads.wDec);
    // ∂L/∂W_skip = errᵀ·x: [dOut, dIn].
    if (params.extra.wSkip) addInto(grads.extra.wSkip, await backend.matmul(err, xIn, true, dOut, n, dIn));
    const { gPre, penalty } = this.arch.backward(ctx, cfg.archOptions, codes, gValues, grads);
    if (f) {
      addInto(
        grads.wEncT,
        await backend.matmul(denseRows(codes.indices, gPre, n, codes.width, dSae), xIn, true, dSae, n, dIn),
      );
      for (let i = 0; i < n * codes.width; i++) grads.bEnc[codes.indices[i]] += gPre[i];
    } else this.encoderGrad(codes.indices, gPre, codes.width);
    const auxLoss = this.arch.auxK ? await this.auxK(ctx) : 0;
    // b_dec also enters an SAE's encoder input x − b_dec: ∂/∂b_dec = −W_encᵀ ∂L/∂b_enc.
    if (!this.arch.transcodes) {
      const encPull = this.encoderBiasPull();
      for (let p = 0; p < dIn; p++) gbDec[p] -= encPull[p];
    }
    const t3 = performance.now();
    return { codes, ctx, mse, fvu, penalty, auxLoss, t1, t2, t3 };
  }

  /** Record a curve point (the CLI does so every few steps). */
  record(point: CurvePoint): void {
    this.curves.push(point);
  }

  private encoderGrad(indices: Int32Array, gPre: Float32Array, width: number): void {
    const { backend, dIn, grads } = this;
    const n = this.cfg.batchSize;
    backend.sparseScatterRows(indices, gPre, n, width, this.xIn, dIn, grads.wEncT);
    for (let i = 0; i < n * width; i++) grads.bEnc[indices[i]] += gPre[i];
  }

  /** W_encᵀ·gb_enc as one sparse decode over all latents: [dIn]. */
  private encoderBiasPull(): Float32Array {
    const out = this.pull;
    this.identity.values.set(this.grads.bEnc);
    this.backend.sparseDecode({ ...this.identity, n: 1, width: this.cfg.dSae }, this.params.wEncT, null, this.dIn, out);
    return out;
  }

  /**
   * AuxK (Gao et al. 2024, §A.2): the top auxK dead latents reconstruct the residual x − x̂; the loss
   * auxCoefficient·‖e − ê‖² trains them back to life. The residual is held constant.
   */
  private async auxK(ctx: StepContext): Promise<number> {
    const { backend, dIn, dOut, params, grads, cfg } = this;
    const n = cfg.batchSize;
    const dead = this.tracker.deadMask();
    const deadIdx: number[] = [];
    for (let l = 0; l < cfg.dSae; l++) if (dead[l]) deadIdx.push(l);
    if (deadIdx.length === 0 || cfg.auxCoefficient === 0) return 0;
    const nDead = deadIdx.length;
    deadIdx.forEach((l, i) => {
      this.wDeadT.set(params.wEncT.subarray(l * dIn, (l + 1) * dIn), i * dIn);
      this.bDead[i] = params.bEnc[l];
    });
    const k = Math.min(cfg.auxK, nDead);
    const aux = await backend.encodeTopK(
      ctx.xIn,
      this.wDeadT.subarray(0, nDead * dIn),
      this.bDead.subarray(0, nDead),
      n,
      dIn,
      nDead,
      k,
    );
    for (let i = 0; i < aux.indices.length; i++) aux.indices[i] = deadIdx[aux.indices[i]];
    const e = this.aux;
    backend.sparseDecode(aux, params.wDec, null, dOut, e);
    // err holds 2(x̂ − x)/n, so the residual x − x̂ is −err·n/2 and ê − (x − x̂) = ê + err·n/2.
    let sse = 0;
    const a = 2 * cfg.auxCoefficient;
    for (let i = 0; i < n * dOut; i++) {
      const diff = e[i] + (this.err[i] * n) / 2;
      sse += diff * diff;
      e[i] = (a * diff) / n;
    }
    backend.sparseScatterRows(aux.indices, aux.values, n, k, e, dOut, grads.wDec);
    const gValues = new Float32Array(n * k);
    backend.sparseRowDots(aux.indices, n, k, e, params.wDec, dOut, gValues);
    for (let i = 0; i < gValues.length; i++) if (!(aux.values[i] > 0)) gValues[i] = 0;
    this.encoderGrad(aux.indices, gValues, k);
    return (cfg.auxCoefficient * sse) / n;
  }

  /** Everything needed to resume exactly. */
  checkpoint(): Checkpoint {
    const tensors: Record<string, Float32Array> = {};
    for (const name of allNames(this.params)) {
      tensors[`params/${name}`] = getParam(this.params, name);
      tensors[`m/${name}`] = getParam(this.m, name);
      tensors[`v/${name}`] = getParam(this.v, name);
    }
    const tr = this.tracker;
    return {
      meta: {
        step: this.step,
        scale: this.scale,
        ...(this.arch.transcodes && { targetScale: this.targetScale }),
        config: this.cfg,
        curves: this.curves,
        ...(this.plateau && { plateau: { ...this.plateau.state, finalDecay: this.finalDecay } }),
        tracker: {
          tokens: tr.tokens,
          windowStart: tr.windowStart,
          lastFired: [...tr.lastFired],
          counts: [...tr.counts],
          lastCounts: tr.lastCounts ? [...tr.lastCounts] : null,
        },
      },
      tensors,
    };
  }

  /** Metrics stored with the dictionary. */
  summary(): Record<string, unknown> {
    const last = this.curves[this.curves.length - 1];
    const density = densitySummary(this.tracker.density());
    return {
      steps: this.step,
      tokens: this.step * this.cfg.batchSize,
      seed: this.cfg.seed,
      final: last ?? null,
      deadFraction: this.tracker.deadFraction(),
      denseFraction: density.denseFraction,
      logDensityHistogram: density.logDensityHistogram,
      deadWindowTokens: this.cfg.deadWindowTokens,
      ...(this.plateau && {
        stopping: {
          rule: 'held-out FVU plateau',
          heldOutRows: this.heldOut?.heldOut ? this.heldOut.n : 0,
          learningRateCuts: this.plateau.cutSteps,
          finalDecay: this.finalDecay,
          heldOut: this.plateau.history,
        },
      }),
      curves: this.curves,
    };
  }
}

export { getParam };

/** Scatter codes (indices, vals: [n, width]) into dense rows [n, dSae]. */
function denseRows(indices: Int32Array, vals: Float32Array, n: number, width: number, dSae: number): Float32Array {
  const out = new Float32Array(n * dSae);
  for (let t = 0; t < n; t++)
    for (let j = 0; j < width; j++) {
      const v = vals[t * width + j];
      if (v !== 0) out[t * dSae + indices[t * width + j]] += v;
    }
  return out;
}

function addInto(target: Float32Array, add: Float32Array): void {
  for (let i = 0; i < target.length; i++) target[i] += add[i];
}

/** The trained weights in the form the SAELens writer takes. */
export function trainedWeights(t: Trainer): TrainedWeights {
  const saelens = t.arch.saelensConfig(t.cfg.archOptions, t.params);
  const tensors = t.arch.saelensTensors(t.cfg.archOptions, t.params);
  const { wEncT, bEnc, wDec, bDec } = t.params;
  const wSkip = t.params.extra.wSkip;
  return {
    architecture: saelens.architecture as TrainedWeights['architecture'],
    k: saelens.k as number | undefined,
    dIn: t.dIn,
    dSae: t.cfg.dSae,
    ...(t.arch.transcodes && {
      transcoder: {
        dOut: t.dOut,
        hookOut: t.store.source.target?.hook ?? null,
        targetScale: t.targetScale,
        wSkip: wSkip ? Float32Array.from(wSkip) : undefined,
      },
    }),
    wEncT: Float32Array.from(wEncT),
    bEnc: Float32Array.from(bEnc),
    wDec: Float32Array.from(wDec),
    bDec: Float32Array.from(bDec),
    threshold: tensors.threshold,
    scale: t.scale,
  };
}
