// A small atlas with known ground truth, loaded through the worker's real ingest: two dictionaries on the same
// hook point (8 and 16 features over d_in 4), decoders on known axes, labels, examples, neighbours and family links.
import type { OpenDatabase } from '@atlas/migrations';
import { topCosineNeighbours } from '@atlas/worker/analysis/similarity';
import { ingestDictionary, type ExampleRecord, type FeatureRecord } from '@atlas/worker/ingest';
import { storeFeatureLinks } from '@atlas/worker/ingest/featureLinks';

export const D_IN = 4;

/** Feature i of the narrow dictionary points along axis i % 4, sign + for i < 4 and − after. */
export function narrowDecoder(i: number): Float32Array {
  const v = new Float32Array(D_IN);
  v[i % D_IN] = i < D_IN ? 1 : -1;
  return v;
}

/** The wide dictionary splits each narrow direction in two, tilted by ±0.2 into the next axis. */
export function wideDecoder(i: number): Float32Array {
  const v = narrowDecoder(i >> 1);
  v[((i >> 1) + 1) % D_IN] = i % 2 ? 0.2 : -0.2;
  return v;
}

const LABELS = [
  'past-tense verb',
  'determiner',
  'plural noun',
  'preposition of place',
  'comma',
  'quotation mark',
  'number',
  'proper noun',
];
const PEAK_TOKENS = [' walked', ' the', ' dogs', ' under', ',', '"', ' 1961', ' Kennedy'];

function examples(i: number, n: number, scale: number): ExampleRecord[] {
  const out: ExampleRecord[] = [];
  for (let rank = 0; rank < n; rank++)
    out.push({
      featureIndex: i,
      kind: 'top',
      bin: 0,
      rank,
      maxActivation: scale * (10 - rank),
      docIndex: i,
      tokenStart: rank * 8,
      maxPosition: 2,
      tokens: [' He', ' then', PEAK_TOKENS[i % 8], ' away', '.'],
      activations: [0, 0.5, scale * (10 - rank), 0.25, 0],
    });
  for (let bin = 0; bin < 3; bin++)
    out.push({
      featureIndex: i,
      kind: 'quantile',
      bin,
      rank: 0,
      maxActivation: bin + 1,
      docIndex: 100 + i,
      tokenStart: 0,
      maxPosition: 0,
      tokens: [PEAK_TOKENS[i % 8], ' x'],
      activations: [bin + 1, 0],
    });
  return out;
}

function feature(dictionaryId: number, i: number, decoder: Float32Array, all: Float32Array, n: number): FeatureRecord {
  const nb = topCosineNeighbours(decoder, 1, all, n, D_IN, n, {});
  const neighbors: { index: number; cosine: number }[] = [];
  for (let r = 0; r < n && neighbors.length < 5; r++)
    if (nb.indices[r] !== i) neighbors.push({ index: nb.indices[r], cosine: nb.cosines[r] });
  return {
    index: i,
    decoder,
    density: (i + 1) / 100,
    meanActivation: 1 + i / 10,
    maxActivation: 10 + i,
    histogram: { edges: [0.1, 1, 10], counts: [i, 2 * i] },
    label: `${LABELS[i % 8]}${dictionaryId > 0 ? '' : ''}`,
    labelScores: {
      scores: [
        { family: 'pos', label: i % 8 === 0 ? 'VBD' : 'NN', precision: 0.9, recall: 0.8, f1: 0.85, support: 40 },
      ],
    },
    logits: { positive: [{ token: PEAK_TOKENS[i % 8], value: 2.5 }], negative: [{ token: ' zzz', value: -1.5 }] },
    mapX: i,
    mapY: -i,
    neighbors,
  };
}

export interface FixtureAtlas {
  narrow: number;
  wide: number;
}

export async function loadFixtureAtlas(db: Pick<OpenDatabase, 'dataSource' | 'bulkLoader'>): Promise<FixtureAtlas> {
  const make = async (name: string, n: number) =>
    (
      await db.dataSource.query(
        `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status, metrics)
         VALUES ($1, 'blocks.0.mlp.hook_post', 'topk', $2, $3, 2, 'ready', '{"l0": 2, "fvu": 0.1}') RETURNING id`,
        [name, D_IN, n],
      )
    )[0].id as number;
  const narrow = await make('narrow-8', 8);
  const wide = await make('wide-16', 16);
  const load = async (id: number, n: number, dec: (i: number) => Float32Array, scale: number) => {
    const all = new Float32Array(n * D_IN);
    for (let i = 0; i < n; i++) all.set(dec(i), i * D_IN);
    const features = Array.from({ length: n }, (_, i) => feature(id, i, dec(i), all, n));
    await ingestDictionary(db, { id, dIn: D_IN, nLatents: n }, features, (i) => examples(i, 6, scale));
    return all;
  };
  const a = await load(narrow, 8, narrowDecoder, 1);
  const b = await load(wide, 16, wideDecoder, 0.5);
  await storeFeatureLinks(
    db,
    narrow,
    wide,
    topCosineNeighbours(a, 8, b, 16, D_IN, 2),
    topCosineNeighbours(b, 16, a, 8, D_IN, 1),
  );
  await db.dataSource.query(
    `INSERT INTO explanations (dictionary_id, feature_index, text, source) VALUES ($1, 3, 'fires on spatial prepositions like under and beneath', 'human')`,
    [narrow],
  );
  return { narrow, wide };
}
