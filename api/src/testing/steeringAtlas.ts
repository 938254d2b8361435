// A database for steering under load: a TopK dictionary trained on the built-in tiny LM, ingested as an analysed
// dictionary (every feature stored, max activation 2), so both steer and the feature page have something to serve.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as worker from '@atlas/worker';
import { ingestDictionary, type IngestTarget } from '@atlas/worker/ingest';
import { trainTinyLmDictionary, TINY_HOOK, TINY_LM } from './tinyLmDictionaries.js';

export const STEER_PROMPT = 'The jury walked under the bridge and';

export const STEER_QUERY = `query($p: String!, $iv: [SteerInterventionInput!]!, $s: SamplingInput) {
  steer(prompt: $p, interventions: $iv, sampling: $s) { elapsedMs default { text } steered { text } } }`;

export interface SteeringAtlas {
  dictionaryId: number;
  nLatents: number;
  /** Remove the dictionary's weights folder and free the model. */
  dispose(): void;
}

/** Train and ingest the dictionary into `db` (a migrated database); the weights live in a temporary folder. */
export async function seedSteeringAtlas(db: IngestTarget, nLatents = 32): Promise<SteeringAtlas> {
  const dir = mkdtempSync(join(tmpdir(), 'api-steer-load-'));
  const model = await worker.loadModel(TINY_LM);
  try {
    const d = model.config.dModel;
    const weights = await trainTinyLmDictionary(model, dir, 'load', { dSae: nLatents, k: 4, seed: 1 });
    const [{ id }] = (await db.dataSource.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status, weights_path)
       VALUES ('tiny-load', $1, 'topk', $2, $3, 4, 'ready', $4) RETURNING id`,
      [TINY_HOOK, d, nLatents, weights],
    )) as { id: number }[];
    const sae = worker.loadExternalSae(weights);
    await ingestDictionary(
      db,
      { id, dIn: d, nLatents },
      Array.from({ length: nLatents }, (_, i) => ({
        index: i,
        decoder: sae.wDec.subarray(i * d, (i + 1) * d),
        density: 0.01 * (i + 1),
        meanActivation: 1,
        maxActivation: 2,
        histogram: { edges: [0, 1, 2], counts: [3 + i, 1] },
        label: `tiny feature ${i}`,
        labelScores: null,
        logits: null,
        mapX: null,
        mapY: null,
        neighbors: null,
      })),
      (index) =>
        [0, 1, 2].map((rank) => ({
          featureIndex: index,
          kind: 'top' as const,
          bin: 0,
          rank,
          maxActivation: 2 - rank / 2,
          docIndex: rank,
          tokenStart: 0,
          maxPosition: 1,
          tokens: ['The', ' jury', ' walked'],
          activations: [0, 2 - rank / 2, 0.5],
        })),
    );
    return { dictionaryId: id, nLatents, dispose: () => rmSync(dir, { recursive: true, force: true }) };
  } finally {
    worker.disposeModel(model);
  }
}
