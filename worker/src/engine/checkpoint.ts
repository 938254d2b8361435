// Checkpoints on disk: `<dir>/step-<n>/` holds state.safetensors (weights, Adam moments) and state.json
// (counters, curves, config). state.json is written last, so a folder without it is incomplete and ignored.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasError } from '../errors.js';
import { readSafetensors, writeSafetensors } from '../formats/safetensors.js';
import type { Checkpoint } from './train.js';

const STATE_JSON = 'state.json';
const STATE_TENSORS = 'state.safetensors';

/** Write a checkpoint for `step` and delete older ones. */
export function saveCheckpoint(dir: string, ckpt: Checkpoint): string {
  mkdirSync(dir, { recursive: true });
  const name = `step-${String(ckpt.meta.step).padStart(9, '0')}`;
  const tmp = join(dir, `${name}.partial`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  writeSafetensors(
    join(tmp, STATE_TENSORS),
    Object.fromEntries(Object.entries(ckpt.tensors).map(([k, v]) => [k, { data: v, shape: [v.length] }])),
  );
  writeFileSync(join(tmp, STATE_JSON), JSON.stringify(ckpt.meta));
  const final = join(dir, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  for (const old of readdirSync(dir)) if (old !== name) rmSync(join(dir, old), { recursive: true, force: true });
  return final;
}

/** The newest complete checkpoint in `dir`, or CHECKPOINT_INVALID saying there is none. */
export function loadLatestCheckpoint(dir: string): Checkpoint {
  const candidates = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^step-\d+$/.test(f) && existsSync(join(dir, f, STATE_JSON)))
        .sort()
    : [];
  const latest = candidates[candidates.length - 1];
  if (!latest)
    throw new AtlasError(
      'CHECKPOINT_INVALID',
      `--resume: no checkpoint in ${dir}; run without --resume to start fresh`,
    );
  const path = join(dir, latest);
  try {
    const meta = JSON.parse(readFileSync(join(path, STATE_JSON), 'utf8')) as Checkpoint['meta'];
    const { tensors } = readSafetensors(join(path, STATE_TENSORS));
    return { meta, tensors: Object.fromEntries([...tensors].map(([k, t]) => [k, t.data])) };
  } catch (err) {
    if (err instanceof AtlasError) throw err;
    throw new AtlasError(
      'CHECKPOINT_INVALID',
      `${path}: unreadable checkpoint (${(err as Error).message}); delete it to resume from an older one`,
      { cause: err },
    );
  }
}
