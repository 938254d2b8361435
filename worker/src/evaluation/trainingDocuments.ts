// Which corpus documents a dictionary was trained on, read from its weights folder: cfg.json's `atlas.activations`
// (the activation folder its training read, recorded since issue 17) and that folder's (document, offset)
// positions. The evaluation leaves those documents out of its held-out slice, so no number is measured on text the
// dictionary was fitted to.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActivationManifest, MANIFEST_FILE } from '../formats/activationManifest.js';
import { readNpy } from '../formats/npy.js';

/** The documents of `corpus` a dictionary's training read. */
export interface TrainingText {
  corpus: string;
  documents: ReadonlySet<number>;
}

/** The training text of the dictionary in `weightsPath`, or null when its folder does not record it. */
export function trainingDocuments(weightsPath: string): TrainingText | null {
  let activations: unknown;
  try {
    const cfg = JSON.parse(readFileSync(join(weightsPath, 'cfg.json'), 'utf8')) as {
      atlas?: { activations?: unknown };
    };
    activations = cfg.atlas?.activations;
  } catch {
    return null;
  }
  if (typeof activations !== 'string' || !existsSync(join(activations, MANIFEST_FILE))) return null;
  const parsed = ActivationManifest.safeParse(JSON.parse(readFileSync(join(activations, MANIFEST_FILE), 'utf8')));
  if (!parsed.success || !parsed.data.provenance) return null;
  const documents = new Set<number>();
  for (const shard of parsed.data.shards) {
    if (!shard.positions) return null; // rows without positions: which text they came from is unknown
    const { data } = readNpy(join(activations, shard.positions));
    for (let r = 0; r < data.length; r += 2) documents.add(data[r]);
  }
  return { corpus: parsed.data.provenance.corpus, documents };
}
