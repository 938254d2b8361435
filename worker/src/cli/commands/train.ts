// `worker train`: learn a dictionary from activations and write it as a SAELens folder.
import { Option, type Command } from 'commander';
import { AtlasError } from '../../errors.js';
import type { BackendName } from '../../engine/backend.js';
import { backendNames } from '../../engine/backendRegistry.js';
import { architectureNames } from '../../engine/sae/registry.js';
import { DEFAULT_BATCH_SIZE, PLATEAU_CAP_STEPS } from '../../engine/defaultSchedule.js';
import { runTraining } from '../../engine/trainRun.js';
import { createProgress } from '../progress.js';
import { parseNumber } from '../parseArgs.js';

interface TrainFlags {
  acts?: string;
  targetHook?: string;
  skip?: boolean;
  out?: string;
  arch: string;
  latents?: string;
  k?: string;
  batch?: string;
  tokens?: string;
  epochs?: string;
  lr?: string;
  seed?: string;
  backend: string;
  threads?: string;
  checkpointEvery: string;
  resume?: boolean;
  l1?: string;
  l0Coefficient?: string;
  deadWindow?: string;
  auxK?: string;
  stopAfter?: string;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a sparse autoencoder (or a transcoder, on paired activations) and write a SAELens folder')
    .option('--acts <path>', 'activations: a .npy or .safetensors file, or a folder of shards (manifest.json optional)')
    .option('--out <folder>', 'where to write cfg.json + sae_weights.safetensors (must not exist)')
    .option('--arch <name>', `architecture: ${architectureNames().join(', ')}`, 'topk')
    .option('--latents <n>', 'dictionary size (d_sae)')
    .option('--k <n>', 'active latents per token (topk, batchtopk, transcoder)')
    .option(
      '--target-hook <name>',
      'transcoder: the hook it predicts; the paired activation folder (worker extract --target-hook) must hold it',
    )
    .option('--skip', 'transcoder: learn a linear skip term W_skip (SAELens skip_transcoder)')
    .option('--batch <n>', `tokens per step (default ${DEFAULT_BATCH_SIZE})`)
    .option(
      '--tokens <n>',
      `training tokens (default: until the held-out FVU stops improving, at most one pass or ${PLATEAU_CAP_STEPS.toLocaleString('en-US')} steps, whichever is longer)`,
    )
    .option('--epochs <x>', 'training length in passes over the activations (instead of --tokens)')
    .option('--lr <x>', 'peak learning rate (default 1e-3·sqrt(16384/latents))')
    .option('--seed <n>', 'random seed (default: derived from the training settings and the data)')
    .option('--backend <name>', `kernels: auto, ${backendNames.join(', ')}`, 'auto')
    .option('--threads <n>', 'threads for the dense kernels (default: all cores)')
    .option('--checkpoint-every <steps>', 'steps between checkpoints in <out>.checkpoints (0: never)', '500')
    .option('--resume', 'continue from the newest checkpoint of an interrupted run with the same options')
    .option('--l1 <x>', 'relu: L1 coefficient (default 5)')
    .option('--l0-coefficient <x>', 'jumprelu: L0 coefficient')
    .option('--dead-window <tokens>', 'a latent is dead after this many tokens without firing')
    .option('--aux-k <n>', 'latents in the AuxK loss (default d_in/2)')
    // Simulates a killed run in tests: stop after this many steps, leaving only the checkpoints.
    .addOption(new Option('--stop-after <steps>').hideHelp())
    .action(async (flags: TrainFlags) => {
      if (!flags.acts)
        throw new AtlasError(
          'ARGUMENT_INVALID',
          '--acts is required: a .npy/.safetensors file or a folder of activation shards',
        );
      if (!flags.out)
        throw new AtlasError('ARGUMENT_INVALID', '--out is required: the folder to write the dictionary to');
      if (!architectureNames().includes(flags.arch))
        throw new AtlasError(
          'ARGUMENT_INVALID',
          `--arch ${flags.arch} is unknown; use one of ${architectureNames().join(', ')}`,
        );
      if (flags.backend !== 'auto' && !backendNames.includes(flags.backend as BackendName))
        throw new AtlasError(
          'ARGUMENT_INVALID',
          `--backend ${flags.backend} is unknown; use one of auto, ${backendNames.join(', ')}`,
        );
      if (flags.latents === undefined)
        throw new AtlasError('ARGUMENT_INVALID', '--latents is required: the dictionary size, e.g. --latents 1024');
      const dSae = parseNumber('--latents', flags.latents, { integer: true, min: 1 });
      const archOptions: Record<string, unknown> = {};
      const takesK = ['topk', 'batchtopk', 'transcoder'];
      if (takesK.includes(flags.arch)) {
        if (flags.k === undefined)
          throw new AtlasError(
            'ARGUMENT_INVALID',
            `--k is required for --arch ${flags.arch}: active latents per token, e.g. --k 32`,
          );
        archOptions.k = parseNumber('--k', flags.k, { integer: true, min: 1, max: dSae });
      } else if (flags.k !== undefined)
        throw new AtlasError('ARGUMENT_INVALID', `--k applies to ${takesK.join(', ')}, not --arch ${flags.arch}`);
      if (flags.skip) {
        if (flags.arch !== 'transcoder')
          throw new AtlasError('ARGUMENT_INVALID', `--skip applies to --arch transcoder, not --arch ${flags.arch}`);
        archOptions.skip = true;
      }
      if (flags.l1 !== undefined) archOptions.l1Coefficient = parseNumber('--l1', flags.l1, { min: 0 });
      if (flags.l0Coefficient !== undefined)
        archOptions.l0Coefficient = parseNumber('--l0-coefficient', flags.l0Coefficient, { min: 0 });
      if (flags.tokens !== undefined && flags.epochs !== undefined)
        throw new AtlasError('ARGUMENT_INVALID', 'give --tokens or --epochs, not both');
      const progress = createProgress('train');
      const result = await runTraining(
        {
          acts: flags.acts,
          targetHook: flags.targetHook,
          out: flags.out,
          backend: flags.backend as BackendName | 'auto',
          threads:
            flags.threads === undefined
              ? undefined
              : parseNumber('--threads', flags.threads, { integer: true, min: 1 }),
          checkpointEvery: parseNumber('--checkpoint-every', flags.checkpointEvery, { integer: true, min: 0 }),
          resume: flags.resume ?? false,
          stopAfterSteps:
            flags.stopAfter === undefined
              ? undefined
              : parseNumber('--stop-after', flags.stopAfter, { integer: true, min: 1 }),
          config: {
            arch: flags.arch,
            dSae,
            archOptions,
            batchSize:
              flags.batch === undefined ? undefined : parseNumber('--batch', flags.batch, { integer: true, min: 1 }),
            tokens:
              flags.tokens === undefined ? undefined : parseNumber('--tokens', flags.tokens, { integer: true, min: 1 }),
            epochs:
              flags.epochs === undefined ? undefined : parseNumber('--epochs', flags.epochs, { min: Number.MIN_VALUE }),
            lr: flags.lr === undefined ? undefined : parseNumber('--lr', flags.lr, { min: Number.MIN_VALUE }),
            seed: flags.seed === undefined ? undefined : parseNumber('--seed', flags.seed, { integer: true }),
            deadWindowTokens:
              flags.deadWindow === undefined
                ? undefined
                : parseNumber('--dead-window', flags.deadWindow, { integer: true, min: 1 }),
            auxK: flags.auxK === undefined ? undefined : parseNumber('--aux-k', flags.auxK, { integer: true, min: 1 }),
          },
        },
        {
          start: (i) => {
            progress.log(`backend: ${i.backend}`);
            const factors = i.targetScale === undefined ? i.scale.toPrecision(4) : `${i.scale.toPrecision(4)} (target ${i.targetScale.toPrecision(4)})`; // prettier-ignore
            progress.log(`activations: ${i.source}, normalisation factor ${factors}, seed ${i.seed}`);
            if (i.stopping === 'plateau')
              progress.log(
                `length: until the held-out FVU stops improving (at most ${i.steps.toLocaleString('en-US')} steps of ${i.batchSize}); --tokens or --epochs set one`,
              );
            if (i.startStep > 0) progress.log(`resuming at step ${i.startStep} of ${i.steps}`);
          },
          plateau: (e) =>
            progress.note(
              e.kind === 'cut'
                ? `held-out FVU ${e.heldOutFvu.toFixed(4)} stopped improving at step ${e.step}: learning rate cut to ${e.lr.toExponential(2)}`
                : `held-out FVU ${e.heldOutFvu.toFixed(4)} stopped improving at step ${e.step}: final decay, the run ends at step ${e.steps}`,
            ),
          step: (s, steps) =>
            progress.update(
              s.step,
              steps,
              s.tokens,
              `loss ${s.loss.toFixed(4)}  L0 ${s.l0.toFixed(1)}  FVU ${s.fvu.toFixed(3)}  dead ${(100 * s.deadFraction).toFixed(1)}%`,
            ),
          checkpoint: (path) => progress.note(`checkpoint ${path}`),
        },
      );
      progress.done();
      if (!result.out) {
        console.log(`stopped at step ${result.trainer.step}; continue with --resume`);
        return;
      }
      const final = result.summary.final as { fvu: number; l0: number } | null;
      // A transcoder's FVU is of the hook it predicts (the MLP output), not of its input.
      const target = result.trainer.store.source.target;
      const fvu = target ? `FVU of ${target.hook ?? 'the target'}` : 'FVU';
      console.log(
        `wrote ${result.out} (${fvu} ${final?.fvu.toFixed(4)}, L0 ${final?.l0.toFixed(2)}, dead ${((result.summary.deadFraction as number) * 100).toFixed(1)}%)`,
      );
    });
}
