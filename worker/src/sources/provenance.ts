// Checks that activations were made the way a consumer expects. A silent hook or tokenizer mismatch is
// the most common way such tools show wrong dashboards, so consumers call this before using shards.
import { AtlasError } from '../errors.js';
import type { Provenance } from '../formats/activationManifest.js';

/** Throw PROVENANCE_MISMATCH naming every field of `expected` that differs from `actual`. */
export function assertProvenance(actual: Provenance | undefined, expected: Partial<Provenance>, where: string): void {
  if (!actual) return; // bare files carry no provenance: nothing to check against
  const diffs = (Object.keys(expected) as (keyof Provenance)[])
    .filter((k) => expected[k] !== undefined && actual[k] !== expected[k])
    .map((k) => `${k} is ${JSON.stringify(actual[k])} but ${JSON.stringify(expected[k])} was expected`);
  if (diffs.length > 0)
    throw new AtlasError(
      'PROVENANCE_MISMATCH',
      `${where}: ${diffs.join('; ')}; extract activations again with the matching --model/--hook, or use the matching model`,
    );
}
