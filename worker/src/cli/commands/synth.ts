// `worker synth`: write synthetic activations with known true features (Toy Models of Superposition style).
import type { Command } from 'commander';
import { AtlasError } from '../../errors.js';
import { writeSyntheticSet } from '../../engine/syntheticSet.js';
import { parseNumber } from '../parseArgs.js';

interface SynthFlags {
  out?: string;
  d?: string;
  features?: string;
  l0?: string;
  samples?: string;
  alpha: string;
  groupSize: string;
  correlation: string;
  seed: string;
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('write synthetic activations (acts.npy) and their true features (true_features.npy)')
    .option('--out <folder>', 'folder to create')
    .option('--d <n>', 'dimensions')
    .option('--features <n>', 'true features (more than --d for superposition)')
    .option('--l0 <x>', 'expected active features per sample')
    .option('--samples <n>', 'rows to write')
    .option('--alpha <x>', 'power-law exponent of feature frequencies (0: all equal)', '0.5')
    .option('--group-size <n>', 'features per correlated group (1: independent)', '1')
    .option('--correlation <x>', 'chance a group member fires with its leader', '0.5')
    .option('--seed <n>', 'random seed', '0')
    .action((f: SynthFlags) => {
      for (const [flag, v] of [
        ['--out', f.out],
        ['--d', f.d],
        ['--features', f.features],
        ['--l0', f.l0],
        ['--samples', f.samples],
      ] as const)
        if (v === undefined)
          throw new AtlasError(
            'ARGUMENT_INVALID',
            `${flag} is required (e.g. synth --out data/synth --d 64 --features 512 --l0 5 --samples 200000)`,
          );
      const d = parseNumber('--d', f.d!, { integer: true, min: 1 });
      const features = parseNumber('--features', f.features!, { integer: true, min: 1 });
      const l0 = parseNumber('--l0', f.l0!, { min: Number.MIN_VALUE, max: features });
      const samples = parseNumber('--samples', f.samples!, { integer: true, min: 1 });
      const t0 = performance.now();
      writeSyntheticSet(f.out!, {
        d,
        features,
        l0,
        samples,
        alpha: parseNumber('--alpha', f.alpha, { min: 0 }),
        groupSize: parseNumber('--group-size', f.groupSize, { integer: true, min: 1 }),
        correlation: parseNumber('--correlation', f.correlation, { min: 0, max: 1 }),
        seed: parseNumber('--seed', f.seed, { integer: true }),
      });
      console.log(
        `wrote ${f.out}/acts.npy [${samples}, ${d}] and true_features.npy [${features}, ${d}] in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    });
}
