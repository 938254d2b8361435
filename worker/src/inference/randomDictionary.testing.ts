// Random dictionaries for the inference core's tests: seeded Gaussian weights of a given shape and cfg.json, with
// the input centring (apply_b_dec_to_input) that needs scratch memory on unless told otherwise.
import { Rng } from '../engine/rng.js';
import type { SaelensArchitecture, SaelensSae } from '../engine/sae/saelensFormat.js';

export interface RandomDictionaryOptions {
  architecture?: SaelensArchitecture;
  dIn: number;
  dSae: number;
  /** TopK's k (default 3). */
  k?: number;
  seed: number;
  applyBDecToInput?: boolean;
  cfg?: Record<string, unknown>;
}

export function randomDictionary(o: RandomDictionaryOptions): SaelensSae {
  const { dIn, dSae } = o;
  const architecture = o.architecture ?? 'topk';
  const rng = new Rng(o.seed);
  return {
    architecture,
    dIn,
    dSae,
    k: architecture === 'topk' ? (o.k ?? 3) : undefined,
    applyBDecToInput: o.applyBDecToInput ?? true,
    wEnc: rng.normals(dIn * dSae),
    bEnc: rng.normals(dSae, 0.1),
    wDec: rng.normals(dSae * dIn),
    bDec: rng.normals(dIn, 0.1),
    cfg: o.cfg ?? {},
  };
}
