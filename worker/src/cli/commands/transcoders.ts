// `worker export-transcoders` and `worker import-transcoders`: a model's per-layer SAELens transcoder folders to
// circuit-tracer's transcoder-set layout and back (formats in engine/sae/circuitTracerFormat.ts).
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { transcoderFolders } from '../../circuits/transcoderSet.js';
import { readCircuitTracerSet, writeCircuitTracerSet } from '../../engine/sae/circuitTracerFormat.js';
import { loadExternalSae, saveExternalAsSaelens } from '../../engine/sae/loadExternalSae.js';
import { AtlasError } from '../../errors.js';

/** Run `write` into `<out>.partial` and rename it to `out` when it succeeds (a failed run leaves no `out`). */
function writeFolder(out: string, write: (dir: string) => void): void {
  if (existsSync(out))
    throw new AtlasError('ARGUMENT_INVALID', `--out ${out} already exists; pass a folder that does not exist yet`);
  const partial = `${out}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  write(partial);
  renameSync(partial, out);
}

export function registerTranscoders(program: Command): void {
  program
    .command('export-transcoders')
    .description("write a model's per-layer SAELens transcoder folders as a circuit-tracer transcoder set")
    .argument('<folders...>', 'one SAELens transcoder folder per layer, or one folder holding them')
    .option('--out <folder>', 'where to write config.yaml and layer_{i}.safetensors (must not exist)')
    .action((folders: string[], flags: { out?: string }) => {
      if (!flags.out) throw new AtlasError('ARGUMENT_INVALID', '--out is required: the folder to write the set to');
      const out = resolve(flags.out);
      const transcoders = transcoderFolders(folders).map(loadExternalSae);
      let layers = 0;
      writeFolder(out, (dir) => {
        const set = writeCircuitTracerSet(dir, transcoders);
        layers = set.layers.length;
        console.log(
          `feature_input_hook ${set.featureInputHook}, feature_output_hook ${set.featureOutputHook}, model ${set.modelName ?? '(unnamed)'}`,
        );
      });
      console.log(`wrote ${layers} layers to ${out}`);
    });
  program
    .command('import-transcoders')
    .description('split a circuit-tracer transcoder set into one SAELens transcoder folder per layer')
    .argument('<set>', 'a circuit-tracer folder: config.yaml and layer_{i}.safetensors')
    .option('--out <folder>', 'where to write layer_{i}/ (cfg.json + sae_weights.safetensors; must not exist)')
    .action((setDir: string, flags: { out?: string }) => {
      if (!flags.out) throw new AtlasError('ARGUMENT_INVALID', '--out is required: the folder to write the layers to');
      const out = resolve(flags.out);
      const set = readCircuitTracerSet(resolve(setDir));
      writeFolder(out, (dir) =>
        set.layers.forEach((t, layer) => {
          const folder = join(dir, `layer_${layer}`);
          mkdirSync(folder);
          saveExternalAsSaelens(folder, { ...t, format: 'circuit-tracer' });
        }),
      );
      console.log(
        `wrote ${set.layers.length} SAELens transcoder folders to ${out} (layer_0 … layer_${set.layers.length - 1})`,
      );
    });
}
