// Agreement of a loaded model with an external reference implementation's stored outputs (issue 19 part 3): the
// same token ids through our hook runner, every hook and the logits compared with what the reference wrote. The
// fixtures and how they are made: worker/test-fixtures/reference/README.md and scripts/reference/.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasError } from '../errors.js';
import { readNpy } from '../formats/npy.js';
import { hookRunner } from './hookRunner.js';
import type { LoadedModel } from './modelFolder.js';

/** What a reference run wrote beside its outputs (manifest.json). */
export interface ReferenceManifest {
  case: string;
  modelType: string;
  dtype: string;
  shards: number;
  /** nanogpt, llama2c, litgpt. */
  reference: string;
  /** The reference's source file at the pinned commit. */
  referenceSource: string;
  ids: number[];
  /** Hook names in forward order; each has `<name>.npy` [seq, width] beside the manifest. */
  hooks: string[];
  /** Hooks the reference does not expose, computed from exposed values by plain sums (each with its sum). */
  derived: string[];
}

/** One fixture case: a model folder and the outputs of each reference that ran it. */
export interface ReferenceCase {
  name: string;
  modelDir: string;
  /** One folder per reference: manifest.json, logits.npy, <hook>.npy. */
  outputDirs: string[];
}

/** The cases under a fixture root (`<root>/<case>/model` + `<root>/<case>/<reference>/manifest.json`), sorted. */
export function referenceCases(root: string): ReferenceCase[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'model', 'config.json')))
    .map((e) => e.name)
    .sort()
    .map((name) => ({
      name,
      modelDir: join(root, name, 'model'),
      outputDirs: readdirSync(join(root, name), { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(root, name, e.name, 'manifest.json')))
        .map((e) => join(root, name, e.name))
        .sort(),
    }));
}

export function readReferenceManifest(outputDir: string): ReferenceManifest {
  return JSON.parse(readFileSync(join(outputDir, 'manifest.json'), 'utf8')) as ReferenceManifest;
}

/**
 * The relative difference of a tensor from its reference: max|a − b| / max|b| over the whole tensor (one scale per
 * tensor, so entries near zero do not blow it up).
 */
export function maxRelativeDifference(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length)
    throw new AtlasError(
      'SOURCE_SHAPE_MISMATCH',
      `${actual.length} values against the reference's ${expected.length}; the hook widths differ`,
    );
  // Math.max gives NaN if either argument is NaN, so a NaN anywhere fails any `<= tolerance` check.
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Per hook (forward order) and for the logits: max relative difference from the reference. */
export interface Agreement {
  manifest: ReferenceManifest;
  hooks: { name: string; maxRelDiff: number }[];
  logits: number;
  /** Hooks of the reference the runner refused as hook points, with its message. */
  refusedHooks: { name: string; message: string }[];
}

/**
 * Run the reference's token ids through the model (batch 1, every hook of the reference, logits) and compare. A hook
 * the runner refuses as a hook point (ARGUMENT_INVALID naming it) is left out and reported in `refusedHooks`.
 */
export async function measureAgreement(model: LoadedModel, outputDir: string): Promise<Agreement> {
  const manifest = readReferenceManifest(outputDir);
  const runner = await hookRunner(model);
  const ids = Int32Array.from(manifest.ids);
  let hooks = [...manifest.hooks];
  const refusedHooks: Agreement['refusedHooks'] = [];
  for (;;) {
    try {
      const result = await runner.run(ids, 1, ids.length, { hooks, logits: true });
      const read = (name: string) => readNpy(join(outputDir, `${name}.npy`)).data;
      return {
        manifest,
        hooks: hooks.map((name) => ({ name, maxRelDiff: maxRelativeDifference(result.hooks[name], read(name)) })),
        logits: maxRelativeDifference(result.logits!, read('logits')),
        refusedHooks,
      };
    } catch (err) {
      const refused =
        err instanceof AtlasError && err.code === 'ARGUMENT_INVALID'
          ? hooks.find((h) => err.message.includes(`'${h}'`))
          : undefined;
      if (refused === undefined) throw err;
      refusedHooks.push({ name: refused, message: (err as Error).message });
      hooks = hooks.filter((h) => h !== refused);
    }
  }
}
