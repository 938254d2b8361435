// The fixture atlas (fixtureAtlas.ts) with evaluations, as `npm run worker -- evaluate` would store them (issue 17):
// both dictionaries on one model with plausible numbers (the wider one reconstructs and probes better), per-class
// probing and absorption rows, held-out label scores on the narrow one, and a third dictionary on another model
// with no evaluations.
import {
  saveEvaluations,
  saveFeatureLabelScores,
  type EvaluationInput,
  type EvaluationKind,
  type FeatureLabelScoreInput,
  type OpenDatabase,
} from '@atlas/migrations';
import { loadFixtureAtlas, type FixtureAtlas } from './fixtureAtlas.js';

export interface EvaluationAtlas extends FixtureAtlas {
  /** A dictionary of another model (other-lm), never evaluated. */
  other: number;
}

export const EVALUATION_PROVENANCE = {
  settings: { k: [1, 2, 5], seed: 7, l2: 1, testFraction: 0.25 },
  corpusSlice: 'brown: 50 held-out documents (every 10th), 98,304 tokens',
  model: 'tiny-lm',
  codeVersion: '0.1.0+abc1234',
} as const;

/** [kind, metric, subject, value] of a dictionary's rows. */
type Planted = [EvaluationKind, string, string | null, number][];

/** What each fixture dictionary's evaluation stores (values exact in binary, so tests compare them exactly). */
export const PLANTED_EVALUATIONS: { narrow: Planted; wide: Planted } = {
  narrow: [
    ['core', 'l0', null, 2],
    ['core', 'fvu', null, 0.25],
    ['core', 'ce_loss_score', null, 0.75],
    ['sparse_probing', 'pos.sae_top_1_test_accuracy', null, 0.6875],
    ['sparse_probing', 'pos.sae_top_1_test_accuracy', 'nn', 0.8125],
    ['sparse_probing', 'pos.sae_top_1_test_accuracy', 'vb', 0.5625],
    ['sparse_probing', 'genre.sae_top_1_test_accuracy', null, 0.625],
    ['sparse_probing', 'genre.sae_top_1_test_accuracy', 'news', 0.75],
    ['sparse_probing', 'genre.sae_top_1_test_accuracy', 'fiction', 0.5],
    ['absorption', 'mean_absorption_fraction', null, 0.125],
    ['absorption', 'mean_absorption_fraction', 'nn', 0.25],
    ['absorption', 'mean_absorption_fraction', 'vb', 0],
  ],
  wide: [
    ['core', 'l0', null, 4],
    ['core', 'fvu', null, 0.125],
    ['core', 'ce_loss_score', null, 0.875],
    ['sparse_probing', 'pos.sae_top_1_test_accuracy', null, 0.8125],
    ['sparse_probing', 'pos.sae_top_1_test_accuracy', 'nn', 0.9375],
    ['sparse_probing', 'pos.sae_top_1_test_accuracy', 'vb', 0.6875],
    ['sparse_probing', 'genre.sae_top_1_test_accuracy', null, 0.75],
    ['sparse_probing', 'genre.sae_top_1_test_accuracy', 'news', 0.875],
    ['sparse_probing', 'genre.sae_top_1_test_accuracy', 'fiction', 0.625],
    ['absorption', 'mean_absorption_fraction', null, 0.25],
    ['absorption', 'mean_absorption_fraction', 'nn', 0.375],
    ['absorption', 'mean_absorption_fraction', 'vb', 0.125],
  ],
};

const labelScore = (
  featureIndex: number,
  labelKind: FeatureLabelScoreInput['labelKind'],
  label: string,
  f1: number,
) => ({
  featureIndex,
  labelKind,
  label,
  precision: 0.5,
  recall: 0.25,
  f1,
  rocAuc: 0.875,
  positives: 40,
  tokens: 1000,
});

/** The narrow dictionary's held-out label scores. Best F1: 3 → 0.9, 5 → 0.7 (over its 0.2), 6 → 0.7, 0 → 0.4. */
export const PLANTED_LABEL_SCORES: FeatureLabelScoreInput[] = [
  labelScore(0, 'pos', 'nn', 0.4),
  labelScore(3, 'pos', 'in', 0.9),
  labelScore(3, 'token', ' under', 0.6),
  labelScore(5, 'genre', 'news', 0.2),
  labelScore(5, 'pos', 'vbd', 0.7),
  { ...labelScore(6, 'pos', 'cd', 0.7), rocAuc: null },
];

async function store(db: Pick<OpenDatabase, 'dataSource' | 'bulkLoader'>, id: number, planted: Planted) {
  const kinds = [...new Set(planted.map(([kind]) => kind))];
  for (const kind of kinds) {
    const rows: EvaluationInput[] = planted
      .filter(([k]) => k === kind)
      .map(([, metric, subject, value]) => ({ metric, subject, value, ...EVALUATION_PROVENANCE }));
    await saveEvaluations(db, id, kind, rows);
  }
}

export async function loadEvaluationAtlas(
  db: Pick<OpenDatabase, 'dataSource' | 'bulkLoader'>,
): Promise<EvaluationAtlas> {
  const atlas = await loadFixtureAtlas(db);
  const models: { id: number }[] = await db.dataSource.query(
    `INSERT INTO models (name, architecture, d_model, n_layers, vocab_size)
     VALUES ('tiny-lm', 'gpt2', 4, 1, 100), ('other-lm', 'gpt2', 4, 1, 100) RETURNING id`,
  );
  await db.dataSource.query(`UPDATE dictionaries SET model_id = $1 WHERE id = ANY($2::int[])`, [
    models[0].id,
    [atlas.narrow, atlas.wide],
  ]);
  const other: number = (
    await db.dataSource.query(
      `INSERT INTO dictionaries (name, model_id, hook_point, architecture, d_in, n_latents, status)
       VALUES ('other-8', $1, 'blocks.0.hook_resid_post', 'relu', 4, 8, 'ready') RETURNING id`,
      [models[1].id],
    )
  )[0].id;
  await store(db, atlas.narrow, PLANTED_EVALUATIONS.narrow);
  await store(db, atlas.wide, PLANTED_EVALUATIONS.wide);
  await saveFeatureLabelScores(db, atlas.narrow, PLANTED_LABEL_SCORES);
  return { ...atlas, other };
}
