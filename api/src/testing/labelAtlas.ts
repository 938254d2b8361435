// A dictionary whose labels are stored the way analyses store them (`vbd (F1 0.81)`, `news (genre) (F1 0.41)`,
// peak tokens), loaded through the worker's real ingest, with features that peak on " the", "The" and "the":
// ground truth for labels as names, search by name and score, and exact token search.
import type { OpenDatabase } from '@atlas/migrations';
import { ingestDictionary, type ExampleRecord, type FeatureRecord } from '@atlas/worker/ingest';

const score = (label: string, f1: number, support: number, precision: number, family = 'pos') => ({
  family,
  label,
  precision,
  recall: (2 * precision * f1) / Math.max(1e-9, 2 * precision - f1),
  f1,
  support,
});

/** Each feature: a name for tests, its stored label and scores, and the peak tokens of its top examples. */
export const LABEL_ATLAS_FEATURES: {
  name: string;
  label: string | null;
  labelScores: Record<string, unknown> | null;
  peaks: [token: string, activation: number][];
}[] = [
  { name: 'article', label: 'at (F1 0.50)', labelScores: { scores: [score('at', 0.5, 50, 0.5)] }, peaks: [] },
  {
    name: 'past tense strong',
    label: 'vbd (F1 0.81)',
    labelScores: { scores: [score('vbd', 0.81, 90, 0.9)], fires: 100 },
    peaks: [],
  },
  {
    name: 'past tense weak',
    label: 'vbd (F1 0.35)',
    labelScores: { scores: [score('vbd', 0.35, 20, 0.4)] },
    peaks: [],
  },
  { name: 'was', label: 'bedz (F1 0.60)', labelScores: { scores: [score('bedz', 0.6, 30, 0.6)] }, peaks: [] },
  // Three labels that read "np (F1 0.33)" and used to score alike.
  { name: 'np best', label: 'np (F1 0.33)', labelScores: { scores: [score('np', 0.3349, 40, 0.5)] }, peaks: [] },
  { name: 'np middle', label: 'np (F1 0.33)', labelScores: { scores: [score('np', 0.3321, 40, 0.5)] }, peaks: [] },
  { name: 'np worst', label: 'np (F1 0.33)', labelScores: { scores: [score('np', 0.3302, 40, 0.5)] }, peaks: [] },
  // Fired twice, and an analysis before issue 13 labelled it anyway.
  { name: 'rare', label: 'np (F1 0.67)', labelScores: { scores: [score('np', 0.67, 2, 1)] }, peaks: [] },
  {
    name: 'news',
    label: 'news (genre) (F1 0.41)',
    labelScores: { scores: [score('news', 0.41, 41, 0.5, 'genre')] },
    peaks: [],
  },
  { name: 'tokens', label: '"the" "a"', labelScores: { scores: [score('at', 0.2, 10, 0.25)] }, peaks: [] },
  { name: 'space the', label: null, labelScores: null, peaks: Array.from({ length: 6 }, (_, r) => [' the', 10 - r]) },
  { name: 'capital', label: null, labelScores: null, peaks: Array.from({ length: 6 }, (_, r) => ['The', 9.5 - r]) },
  {
    name: 'mixed',
    label: null,
    labelScores: null,
    peaks: [
      [' the', 9],
      ['the', 8],
      [' the', 7],
      ['the', 6],
      [' the', 5],
      ['the', 4],
    ],
  },
  { name: 'newline', label: null, labelScores: null, peaks: Array.from({ length: 6 }, (_, r) => ['\n', 3 - r / 10]) },
];

export interface LabelAtlas {
  dictionaryId: number;
  features: typeof LABEL_ATLAS_FEATURES;
}

export async function loadLabelAtlas(db: Pick<OpenDatabase, 'dataSource' | 'bulkLoader'>): Promise<LabelAtlas> {
  const n = LABEL_ATLAS_FEATURES.length;
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status, metrics)
     VALUES ('labels-14', 'blocks.0.mlp.hook_post', 'topk', 4, $1, 2, 'ready', '{}') RETURNING id`,
    [n],
  );
  const features: FeatureRecord[] = LABEL_ATLAS_FEATURES.map((f, index) => {
    const decoder = new Float32Array(4);
    decoder[index % 4] = index < 4 ? 1 : -1;
    return {
      index,
      decoder,
      density: 0.01,
      meanActivation: 1,
      maxActivation: Math.max(1, ...f.peaks.map((p) => p[1])),
      histogram: null,
      label: f.label,
      labelScores: f.labelScores,
      logits: null,
      mapX: index,
      mapY: 0,
      neighbors: [],
    };
  });
  const examples = (index: number): ExampleRecord[] =>
    LABEL_ATLAS_FEATURES[index].peaks.map(([token, activation], rank) => ({
      featureIndex: index,
      kind: 'top',
      bin: 0,
      rank,
      maxActivation: activation,
      docIndex: 0,
      tokenStart: rank * 4,
      maxPosition: 1,
      tokens: [' He', token, ' end'],
      activations: [0, activation, 0],
    }));
  await ingestDictionary(db, { id, dIn: 4, nLatents: n }, features, examples);
  return { dictionaryId: id as number, features: LABEL_ATLAS_FEATURES };
}
