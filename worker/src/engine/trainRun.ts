// A whole training run, as the CLI and the job runner drive it: open the activations, pick the backend, train
// with checkpoints, and write the SAELens folder atomically (temporary sibling folder, renamed at the end).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AtlasError } from '../errors.js';
import { describeSource, memorySource, openActivationSource, type ActivationSource } from './activationSource.js';
import { ActivationStore, estimateNormScales } from './activationStore.js';
import type { Backend, BackendName } from './backend.js';
import { loadBackend } from './backendRegistry.js';
import { loadLatestCheckpoint, saveCheckpoint } from './checkpoint.js';
import { DEFAULT_BATCH_SIZE, plateauSettings } from './defaultSchedule.js';
import { getArchitecture } from './sae/registry.js';
import { writeSaelens, writeSaelensTranscoder, type SaelensSae } from './sae/saelensFormat.js';
import {
  resolveTrainConfig,
  trainedWeights,
  Trainer,
  type ResolvedTrainConfig,
  type StepStats,
  type TrainConfig,
} from './train.js';
import type { z } from 'zod';

export interface TrainRunOptions {
  acts: string;
  /**
   * A transcoder's target hook: checked against the paired activation folder's (which holds the pair; the flag
   * guards against training on another pair than meant).
   */
  targetHook?: string;
  out: string;
  config: Omit<z.input<typeof TrainConfig>, 'tokens'> & { tokens?: number; epochs?: number };
  backend: BackendName | 'auto';
  threads?: number;
  /** Steps between checkpoints (0: none). */
  checkpointEvery: number;
  /** Where checkpoints go; default `<out>.checkpoints`. */
  checkpointDir?: string;
  resume: boolean;
  /** Steps between curve points. */
  logEvery?: number;
  /** Stop after this many steps in this process (tests use it to simulate a kill). */
  stopAfterSteps?: number;
}

export interface TrainRunReporter {
  start?(info: {
    backend: string;
    source: string;
    /** Planned steps: the cap until a plateau-stopped run reaches its plateau. */
    steps: number;
    /** 'plateau': stops when the held-out FVU stops improving; 'length': after the given tokens. */
    stopping: 'plateau' | 'length';
    startStep: number;
    seed: number;
    batchSize: number;
    scale: number;
    /** A transcoder's target normalisation factor. */
    targetScale?: number;
  }): void;
  step?(stats: StepStats, steps: number): void;
  /** The plateau rule decided: a learning-rate cut, or the final decay (the run now ends at `steps`). */
  plateau?(event: { kind: 'cut' | 'decay'; step: number; heldOutFvu: number; lr: number; steps: number }): void;
  checkpoint?(path: string): void;
}

export interface TrainRunResult {
  out: string | null;
  /** The SAE written (null for a transcoder, and when the run stopped early). */
  sae: SaelensSae | null;
  summary: Record<string, unknown>;
  trainer: Trainer;
}

export async function runTraining(o: TrainRunOptions, report: TrainRunReporter = {}): Promise<TrainRunResult> {
  const out = resolve(o.out);
  if (existsSync(out))
    throw new AtlasError('OUTPUT_EXISTS', `--out ${o.out} already exists; remove it or choose another folder`);
  const ckptDir = o.checkpointDir ?? `${out}.checkpoints`;
  const transcodes = !!getArchitecture(o.config.arch ?? 'topk').transcodes;
  if (o.targetHook !== undefined && !transcodes)
    throw new AtlasError('ARGUMENT_INVALID', `--target-hook applies to --arch transcoder, not --arch ${o.config.arch ?? 'topk'}`); // prettier-ignore
  const source = openActivationSource(o.acts, { paired: transcodes });
  if (o.targetHook !== undefined && source.target?.hook !== o.targetHook) {
    source.close();
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `--target-hook ${o.targetHook}: ${o.acts} pairs its input with ${source.target?.hook ?? 'an unnamed hook'}; extract the pair you want with worker extract --target-hook`,
    );
  }
  const backend = await loadBackend(o.backend, { threads: o.threads });
  try {
    const batchSize = o.config.batchSize ?? DEFAULT_BATCH_SIZE;
    const { epochs, ...rest } = o.config;
    // No length given: train until the held-out FVU plateaus (defaultSchedule.ts), with any option given kept.
    const length =
      rest.tokens !== undefined
        ? { tokens: rest.tokens }
        : epochs
          ? { tokens: Math.round(epochs * source.totalRows) }
          : plateauSettings(source.totalRows, batchSize);
    const data = JSON.stringify({
      provenance: source.provenance ?? null,
      rows: source.totalRows,
      dIn: source.dIn,
      ...(source.target && { target: source.target }),
    });
    const cfg = resolveTrainConfig(
      { ...length, ...definedOnly(rest), dSae: rest.dSae, tokens: length.tokens, batchSize },
      source.dIn,
      data,
    );
    let trainer: Trainer;
    if (o.resume) {
      const ckpt = loadLatestCheckpoint(ckptDir);
      // Without --seed the checkpoint's seed stands (it may come from before seeds were derived).
      const keys =
        o.config.seed === undefined
          ? (['arch', 'dSae', 'batchSize'] as const)
          : (['arch', 'dSae', 'batchSize', 'seed'] as const);
      for (const key of keys)
        if (ckpt.meta.config[key] !== cfg[key])
          throw new AtlasError(
            'CHECKPOINT_INVALID',
            `--resume: the checkpoint in ${ckptDir} has ${key}=${ckpt.meta.config[key]} but this run asks for ${cfg[key]}; pass the same options as the interrupted run`,
          );
      const store = new ActivationStore(source, {
        batchSize,
        seed: ckpt.meta.config.seed,
        scale: ckpt.meta.scale,
        targetScale: ckpt.meta.targetScale,
        holdOutRows: ckpt.meta.config.holdOutRows ?? 0,
      });
      trainer = Trainer.create(backend, store, ckpt.meta.config, ckpt);
    } else {
      // Never delete an interrupted run's progress because --resume was forgotten.
      if (existsSync(ckptDir) && readdirSync(ckptDir).length > 0)
        throw new AtlasError(
          'OUTPUT_EXISTS',
          `${ckptDir} holds checkpoints of an interrupted run; continue it with --resume, or delete that folder to start over`,
        );
      trainer = freshTrainer(backend, source, cfg);
    }
    report.start?.({
      backend: backend.description,
      source: describeSource(source),
      steps: trainer.plannedSteps,
      stopping: trainer.plateau ? 'plateau' : 'length',
      startStep: trainer.step,
      seed: trainer.cfg.seed,
      batchSize,
      scale: trainer.scale,
      ...(trainer.arch.transcodes && { targetScale: trainer.targetScale }),
    });
    // A plateau-stopped run logs as one of its nominal length would (the real one is known only at the end).
    const logEvery =
      o.logEvery ?? Math.max(1, Math.floor((trainer.cfg.plateau?.nominalSteps ?? trainer.cfg.steps) / 200));
    let ran = 0;
    while (!trainer.done) {
      const before = { cuts: trainer.plateau?.cutSteps.length, decay: trainer.finalDecay };
      const stats = await trainer.runStep();
      ran++;
      if (trainer.plateau && (trainer.plateau.cutSteps.length !== before.cuts || trainer.finalDecay !== before.decay))
        report.plateau?.({
          kind: trainer.finalDecay !== before.decay ? 'decay' : 'cut',
          step: trainer.step,
          heldOutFvu: trainer.plateau.history.at(-1)!.fvu,
          lr: trainer.lrAt(trainer.step),
          steps: trainer.plannedSteps,
        });
      if (trainer.step % logEvery === 0 || trainer.done) trainer.record(stats);
      report.step?.(stats, trainer.plannedSteps);
      if (o.checkpointEvery > 0 && trainer.step % o.checkpointEvery === 0 && !trainer.done)
        report.checkpoint?.(saveCheckpoint(ckptDir, trainer.checkpoint()));
      if (o.stopAfterSteps !== undefined && ran >= o.stopAfterSteps && !trainer.done)
        return { out: null, sae: null, summary: trainer.summary(), trainer };
    }
    const summary = trainer.summary();
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.partial-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    try {
      const weights = trainedWeights(trainer);
      const extra = {
        provenance: source.provenance,
        datasetPath: resolve(o.acts),
        // The activation folder it read: its positions name the training text, which evaluations leave out.
        atlas: { architecture: trainer.cfg.arch, training: trainer.cfg, activations: resolve(o.acts), metrics: { ...summary, curves: undefined } }, // prettier-ignore
      };
      let sae: SaelensSae | null = null;
      if (weights.transcoder) writeSaelensTranscoder(tmp, weights, extra);
      else sae = writeSaelens(tmp, weights, extra);
      writeFileSync(`${tmp}/atlas_metrics.json`, JSON.stringify(summary, null, 2) + '\n');
      renameSync(tmp, out);
      rmSync(ckptDir, { recursive: true, force: true });
      return { out, sae, summary, trainer };
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  } finally {
    backend.dispose();
    source.close();
  }
}

/** `o` without its undefined entries, so they do not hide defaults spread before them. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A trainer with fresh weights on `source`: normalisation factors estimated, b_dec's median on a scaled sample. */
function freshTrainer(backend: Backend, source: ActivationSource, cfg: ResolvedTrainConfig): Trainer {
  const { scale, targetScale } = estimateNormScales(source);
  const store = new ActivationStore(source, {
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    scale,
    targetScale,
    holdOutRows: cfg.holdOutRows,
  });
  const sample = store.sampleRows(cfg.medianSampleRows);
  return Trainer.create(backend, store, cfg, { medianSample: sample.rows, medianRows: sample.n });
}

/** Train on an in-memory array (tests, benches): the same store, normalisation and init as a full run. */
export async function trainOnArray(
  backend: Backend,
  data: Float32Array,
  rows: number,
  dIn: number,
  config: z.input<typeof TrainConfig>,
  onStep?: (s: StepStats, t: Trainer) => void,
): Promise<Trainer> {
  return trainOnSource(backend, memorySource(data, rows, dIn), config, onStep);
}

/** Train on any source held by the caller (a paired one for a transcoder), as trainOnArray does. */
export async function trainOnSource(
  backend: Backend,
  source: ActivationSource,
  config: z.input<typeof TrainConfig>,
  onStep?: (s: StepStats, t: Trainer) => void,
): Promise<Trainer> {
  const cfg = resolveTrainConfig(config, source.dIn, `memory ${source.totalRows}x${source.dIn}`);
  const trainer = freshTrainer(backend, source, cfg);
  while (!trainer.done) {
    const s = await trainer.runStep();
    trainer.record(s);
    onStep?.(s, trainer);
  }
  return trainer;
}
