// Interventions on a dictionary's features at its hook: ADD a multiple of a feature's decoder direction, CLAMP a
// feature's activation to a value through the dictionary (the reconstruction error stays as it was), ABLATE (clamp
// to 0). Applied to a hook's activations [rows, width] and fed back into the forward pass (InferenceModel.run's
// `feed`), so everything downstream of the hook sees the steered value. A transcoder's feature is read at its input
// hook and written at its output hook (where its decoder rows live), as the feature acts in the model.
import type { Backend } from '../engine/backend.js';
import { decoderWidth } from '../engine/sae/saelensFormat.js';
import { activationAt } from '../inference/csrCodes.js';
import type { InferenceDictionary } from '../inference/inferenceDictionary.js';

export type InterventionKind = 'add' | 'clamp' | 'ablate';

/**
 * Strength units: `max` multiplies by the feature's max activation recorded in the atlas (the default unit, so
 * strength 4 means "four times as active as it ever was"); `raw` is the value as is.
 */
export type StrengthUnit = 'max' | 'raw';

/** A dictionary taking part in a steering request, with the id interventions name it by and the hook it reads. */
export interface SteerDictionary {
  id: number;
  hook: string;
  dictionary: InferenceDictionary;
}

/** One intervention on one feature of one dictionary. */
export interface Intervention {
  /** `SteerDictionary.id` of the dictionary whose feature this is. */
  dictionaryId: number;
  /** Latent index, 0 <= feature < dSae. */
  feature: number;
  kind: InterventionKind;
  /** ADD: the multiple s of d_i; CLAMP: the value c; ignored by ABLATE. In `unit`s. */
  strength: number;
  /** Default `max`; then `maxActivation` is required (except for ABLATE, where the value is 0 in any unit). */
  unit?: StrengthUnit;
  /** The feature's max activation (the atlas's stored value), the `max` unit. */
  maxActivation?: number;
  /**
   * Token positions of the whole text (prompt then generated tokens, 0 = the first prompt token; a BOS is not
   * counted) to intervene at; omitted, every position.
   */
  positions?: readonly number[];
}

/** An intervention with its dictionary resolved and its strength in raw activation units. */
export interface ResolvedIntervention {
  dictionary: InferenceDictionary;
  /** Where the decoder row is written: the dictionary's hook, or a transcoder's output hook (hookNameOut). */
  hook: string;
  /** Where the feature's activation is read (CLAMP, ABLATE): a transcoder's input hook; omitted, `hook`. */
  readHook?: string;
  feature: number;
  kind: InterventionKind;
  /** ADD: s in raw units; CLAMP/ABLATE: c in raw units. */
  value: number;
  positions: ReadonlySet<number> | null;
}

/** The raw value of an intervention: strength × max activation in the `max` unit; ABLATE is 0. */
export function rawValue(i: Intervention): number {
  if (i.kind === 'ablate') return 0;
  return (i.unit ?? 'max') === 'max' ? i.strength * i.maxActivation! : i.strength;
}

/**
 * Apply the interventions (all writing to the same hook) to that hook's activations.
 *
 * h: [rows, width] row-major, not modified. `inputs`: the activations [rows, dIn] of each `readHook` other than the
 * hook itself (a transcoder's input hook) that a CLAMP or ABLATE reads, from the same pass. `positionOf(r)` maps a row to its position in the text (null for rows
 * that are not text: BOS, padding), so chosen positions survive a sliding window. Returns a new array:
 * ADD: h + s·d_i; CLAMP: h + (c − a_i(x))·d_i with a_i(x) the feature's activation in the dictionary's encoding of
 * its input x (h for an SAE; 0 when not active), so the reconstruction error h − x̂(h) is untouched. Every a_i is read from the encoding of
 * the unsteered h, so several interventions on one dictionary do not see each other. When no row changes (strength
 * 0, a clamp to the feature's own activation, positions outside the window) it returns `h` itself, so the caller
 * can skip feeding it and stay bit-identical to the unsteered pass.
 */
export async function applyInterventions(
  h: Float32Array,
  rows: number,
  interventions: readonly ResolvedIntervention[],
  positionOf: (row: number) => number | null,
  backend: Backend,
  inputs: Readonly<Record<string, Float32Array>> = {},
): Promise<Float32Array> {
  let out: Float32Array | null = null;
  const byDictionary = new Map<InferenceDictionary, ResolvedIntervention[]>();
  for (const i of interventions) byDictionary.set(i.dictionary, [...(byDictionary.get(i.dictionary) ?? []), i]);
  for (const [dictionary, list] of byDictionary) {
    const { wDec } = dictionary.sae;
    const width = decoderWidth(dictionary.sae);
    const needsCodes = list.some((i) => i.kind !== 'add');
    const codes = needsCodes ? await dictionary.encode(backend, inputOf(list[0], h, inputs), rows) : null;
    for (let r = 0; r < rows; r++) {
      const position = positionOf(r);
      if (position === null) continue;
      for (const i of list) {
        if (i.positions && !i.positions.has(position)) continue;
        const coefficient = i.kind === 'add' ? i.value : i.value - activationAt(codes!, r, i.feature);
        if (coefficient === 0) continue;
        out ??= Float32Array.from(h);
        const o = r * width;
        const d = i.feature * width;
        for (let p = 0; p < width; p++) out[o + p] += coefficient * wDec[d + p];
      }
    }
  }
  return out ?? h;
}

/** The activations `i`'s dictionary encodes: `h` itself, or its read hook's from `inputs`. */
function inputOf(
  i: ResolvedIntervention,
  h: Float32Array,
  inputs: Readonly<Record<string, Float32Array>>,
): Float32Array {
  if (i.readHook === undefined || i.readHook === i.hook) return h;
  const x = inputs[i.readHook];
  if (!x)
    throw new RangeError(
      `applyInterventions: a ${i.kind} of feature ${i.feature} at ${i.hook} reads ${i.readHook}; pass its activations in inputs`,
    );
  return x;
}
