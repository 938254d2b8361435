// The seed a training starts from when none is given (issue 13, item 9). One fixed default seed gave every
// dictionary trained on the same data the same initialisation: a 16x dictionary's first rows started equal to a 4x
// one's, so "families across widths" matched features by index, not by what they learned. A seed derived from the
// settings gives each training its own start, and the same training again the same start (reproducible).
import { createHash } from 'node:crypto';

/** What defines a training run, for its seed: the architecture and its options, the widths, the schedule, the data. */
export interface TrainingIdentity {
  arch: string;
  dSae: number;
  archOptions: Record<string, unknown>;
  batchSize: number;
  tokens: number;
  lr?: number;
  /** What the activations are (provenance and shape), not where they lie: a moved folder trains the same. */
  data: string;
}

/** JSON with object keys sorted, so equal settings always serialise equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** A seed in [0, 2^31) from the first bytes of sha256 of the training's identity. */
export function deriveTrainingSeed(identity: TrainingIdentity): number {
  const digest = createHash('sha256').update(canonicalJson(identity)).digest();
  return digest.readUInt32BE(0) >>> 1;
}
