// Synthetic activations with known ground truth, after "Toy Models of Superposition" (Elhage et al. 2022):
// many more sparse features than dimensions, each a random unit direction, firing with power-law frequencies
// and random magnitudes, optionally in correlated groups. A dictionary is scored by how well it recovers them.
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AtlasError } from '../errors.js';
import { MANIFEST_FILE, type ActivationManifest } from '../formats/activationManifest.js';
import { NpyWriter, writeNpy } from '../formats/npy.js';
import { Rng } from './rng.js';

export const SyntheticOptions = z.object({
  /** Dimensions (d). */
  d: z.number().int().positive(),
  /** True features (more than d: superposition). */
  features: z.number().int().positive(),
  /** Expected active features per sample. */
  l0: z.number().positive(),
  samples: z.number().int().positive(),
  /** Feature i fires with probability ∝ (i + 1)^−alpha; 0 gives equal frequencies. */
  alpha: z.number().nonnegative().default(0.5),
  /** Magnitude of an active feature: uniform in [minMagnitude, 1] (Toy Models use U[0, 1]). */
  minMagnitude: z.number().min(0).max(1).default(0.25),
  /** Features per correlated group (1: independent); a firing group leader brings each member with `correlation`. */
  groupSize: z.number().int().positive().default(1),
  correlation: z.number().min(0).max(1).default(0.5),
  seed: z.number().int().default(0),
});
export type SyntheticOptions = z.infer<typeof SyntheticOptions>;

/** Unit-norm random directions [features, d]. */
export function randomFeatures(features: number, d: number, rng: Rng): Float32Array {
  const f = new Float32Array(features * d);
  for (let i = 0; i < features; i++) {
    const row = rng.normals(d);
    const inv = 1 / Math.hypot(...row);
    for (let p = 0; p < d; p++) f[i * d + p] = row[p] * inv;
  }
  return f;
}

/** Firing probabilities with mean total l0, capped at 1. */
export function firingProbabilities(o: SyntheticOptions): Float64Array {
  const w = Float64Array.from({ length: o.features }, (_, i) => (i + 1) ** -o.alpha);
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x) => Math.min(1, (x * o.l0) / sum));
}

/** Generate samples in blocks; `emit` receives [rows, d] blocks. Returns the true features [features, d]. */
export function generateSynthetic(
  input: z.input<typeof SyntheticOptions>,
  emit: (block: Float32Array, rows: number) => void,
): Float32Array {
  const o = SyntheticOptions.parse(input);
  const rng = new Rng(o.seed ^ 0x51a7e7); // its own stream: a trainer seeded alike must not start from the answer
  const features = randomFeatures(o.features, o.d, rng);
  const prob = firingProbabilities(o);
  const block = 4096;
  const out = new Float32Array(block * o.d);
  const span = 1 - o.minMagnitude;
  for (let start = 0; start < o.samples; start += block) {
    const rows = Math.min(block, o.samples - start);
    out.fill(0);
    for (let r = 0; r < rows; r++) {
      const o0 = r * o.d;
      let leaderFired = false;
      for (let i = 0; i < o.features; i++) {
        const inGroup = i % o.groupSize;
        const fires: boolean =
          inGroup === 0 || !leaderFired ? rng.next() < prob[i] : rng.next() < Math.max(prob[i], o.correlation);
        if (inGroup === 0) leaderFired = fires;
        if (!fires) continue;
        const mag = o.minMagnitude + span * rng.next();
        const f0 = i * o.d;
        for (let p = 0; p < o.d; p++) out[o0 + p] += mag * features[f0 + p];
      }
    }
    emit(out.subarray(0, rows * o.d), rows);
  }
  return features;
}

/**
 * Write `acts.npy` [samples, d], `true_features.npy` [features, d] and a manifest to `outDir`, atomically:
 * everything goes to a temporary sibling folder that is renamed into place at the end.
 */
export function writeSyntheticSet(outDir: string, input: z.input<typeof SyntheticOptions>): { features: Float32Array } {
  if (existsSync(outDir))
    throw new AtlasError('OUTPUT_EXISTS', `--out ${outDir} already exists; remove it or choose another folder`);
  const tmp = `${outDir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const o = SyntheticOptions.parse(input);
    const writer = new NpyWriter(join(tmp, 'acts.npy'), 'float32', [o.d]);
    const features = generateSynthetic(o, (block) => writer.append(block));
    writer.finish();
    writeNpy(join(tmp, 'true_features.npy'), features, [o.features, o.d]);
    const manifest: ActivationManifest = {
      format: 'atlas-activations/1',
      dIn: o.d,
      dtype: 'float32',
      totalRows: o.samples,
      shards: [{ acts: 'acts.npy', rows: o.samples }],
    };
    writeFileSync(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    writeFileSync(join(tmp, 'synthetic.json'), JSON.stringify(o, null, 2));
    renameSync(tmp, outDir);
    return { features };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Generate into memory: data [samples, d] and the true features [features, d]. */
export function syntheticArray(input: z.input<typeof SyntheticOptions>): {
  data: Float32Array;
  features: Float32Array;
} {
  const o = SyntheticOptions.parse(input);
  const data = new Float32Array(o.samples * o.d);
  let at = 0;
  const features = generateSynthetic(o, (block) => {
    data.set(block, at);
    at += block.length;
  });
  return { data, features };
}
