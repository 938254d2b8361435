import type { MigrationInterface, QueryRunner } from 'typeorm';
import { foldToken } from '../entities/featureToken.entity.js';

/**
 * Token search matches exactly by default (issue 13): " the", "the" and "The" are different tokens. The inverted
 * index kept one row per folded token and feature (the strongest spelling), so it gets one row per exact token,
 * rebuilt from the top examples every atlas already stores (no re-analysis), keyed by the exact token; the folded
 * key stays for lookups that ask to fold.
 */
export class ExactFeatureTokens1733500000000 implements MigrationInterface {
  name = 'ExactFeatureTokens1733500000000';

  async up(q: QueryRunner): Promise<void> {
    // Indexes are built once the rows are in (a sort-built index costs a fraction of row-by-row upkeep).
    await q.query(`ALTER TABLE feature_tokens DROP CONSTRAINT feature_tokens_pkey`);
    await q.query(`DROP INDEX feature_tokens_lookup_idx`);
    await q.query(`DELETE FROM feature_tokens`);
    // The peak tokens, read once from the (TOASTed) token windows.
    await q.query(`DROP TABLE IF EXISTS exact_feature_tokens_peaks`);
    await q.query(`
      CREATE TEMPORARY TABLE exact_feature_tokens_peaks AS
      SELECT dictionary_id, feature_index, tokens[max_position + 1] AS token, max_activation
      FROM feature_examples WHERE kind = 'top' AND tokens[max_position + 1] IS NOT NULL`);
    // Folded in TypeScript, the one definition (Postgres' lower() folds only ASCII under the C locale).
    const distinct: { token: string }[] = await q.query(`SELECT DISTINCT token FROM exact_feature_tokens_peaks`);
    await q.query(
      `INSERT INTO feature_tokens (dictionary_id, token_key, feature_index, token, max_activation, examples)
       SELECT p.dictionary_id, k.key, p.feature_index, p.token, max(p.max_activation), count(*)::int
       FROM exact_feature_tokens_peaks p JOIN unnest($1::text[], $2::text[]) AS k(token, key) ON k.token = p.token
       GROUP BY p.dictionary_id, k.key, p.feature_index, p.token`,
      [distinct.map((d) => d.token), distinct.map((d) => foldToken(d.token))],
    );
    await q.query(`DROP TABLE exact_feature_tokens_peaks`);
    await q.query(`ALTER TABLE feature_tokens ADD PRIMARY KEY (dictionary_id, token, feature_index)`);
    await q.query(`CREATE INDEX feature_tokens_lookup_idx ON feature_tokens (token_key, max_activation DESC)`);
    await q.query(`CREATE INDEX feature_tokens_exact_idx ON feature_tokens (token, max_activation DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Back to one row per folded token: keep each feature's strongest spelling.
    await q.query(`DROP INDEX IF EXISTS feature_tokens_exact_idx`);
    await q.query(`ALTER TABLE feature_tokens DROP CONSTRAINT feature_tokens_pkey`);
    await q.query(`
      DELETE FROM feature_tokens t USING feature_tokens s
      WHERE s.dictionary_id = t.dictionary_id AND s.token_key = t.token_key AND s.feature_index = t.feature_index
        AND (s.max_activation, s.token) > (t.max_activation, t.token)`);
    await q.query(`ALTER TABLE feature_tokens ADD PRIMARY KEY (dictionary_id, token_key, feature_index)`);
  }
}
