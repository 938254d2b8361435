import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Evaluations (issue 17): one row per number a dictionary's evaluation produced, and each feature's auto-labels
 * scored as detectors on held-out tokens. Both live outside the feature partitions, so a re-analysis keeps them;
 * both go with their dictionary.
 */
export class Evaluations1733600000000 implements MigrationInterface {
  name = 'Evaluations1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS evaluations (
        id serial PRIMARY KEY,
        dictionary_id int NOT NULL REFERENCES dictionaries(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('core', 'sparse_probing', 'tpp', 'absorption', 'label_scoring')),
        metric text NOT NULL,
        subject text,
        value double precision NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}',
        corpus_slice text NOT NULL,
        model text NOT NULL,
        code_version text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One number per (kind, metric, subject) of a dictionary (coalesce: an aggregate's NULL subject counts once,
    // on PostgreSQL before 15 too, which lacks NULLS NOT DISTINCT); also the index a dictionary's rows are read by.
    await q.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS evaluations_metric_idx
        ON evaluations (dictionary_id, kind, metric, coalesce(subject, ''))`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS feature_label_scores (
        dictionary_id int NOT NULL REFERENCES dictionaries(id) ON DELETE CASCADE,
        feature_index int NOT NULL,
        label_kind text NOT NULL CHECK (label_kind IN ('pos', 'genre', 'token')),
        label text NOT NULL,
        precision real NOT NULL,
        recall real NOT NULL,
        f1 real NOT NULL,
        roc_auc real,
        positives int NOT NULL,
        tokens int NOT NULL,
        PRIMARY KEY (dictionary_id, feature_index, label_kind, label)
      )`);
    // Each feature's best held-out F1, written with the scores: the feature list sorts and filters on it by key
    // lookups instead of grouping every score of the dictionary per request.
    await q.query(`
      CREATE TABLE IF NOT EXISTS feature_best_label_scores (
        dictionary_id int NOT NULL REFERENCES dictionaries(id) ON DELETE CASCADE,
        feature_index int NOT NULL,
        f1 real NOT NULL,
        label_kind text NOT NULL,
        label text NOT NULL,
        PRIMARY KEY (dictionary_id, feature_index)
      )`);
    await q.query(`
      CREATE INDEX IF NOT EXISTS feature_best_label_scores_f1_idx
        ON feature_best_label_scores (dictionary_id, f1 DESC, feature_index)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS feature_best_label_scores`);
    await q.query(`DROP TABLE IF EXISTS feature_label_scores`);
    await q.query(`DROP TABLE IF EXISTS evaluations`);
  }
}
