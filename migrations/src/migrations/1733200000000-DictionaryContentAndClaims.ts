import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dictionaries keyed on content, not on where their folder happens to be (issue 13, item 3):
 * - `dictionaries.content_hash`: a hash of the weights and the settings that shape them, so a moved or copied atlas
 *   recognises its dictionaries;
 * - `dictionary_tombstones`: the content of deleted dictionaries, so the demo does not bring one back;
 * - `analysis_claims`: at most one analysis of a dictionary at a time, whatever starts it. A claim is taken by one
 *   conditional statement, renewed while the analysis runs, and the swap that publishes the rows is fenced on it.
 */
export class DictionaryContentAndClaims1733200000000 implements MigrationInterface {
  name = 'DictionaryContentAndClaims1733200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dictionaries ADD COLUMN IF NOT EXISTS content_hash text`);
    await q.query(`CREATE INDEX IF NOT EXISTS dictionaries_content_hash_idx ON dictionaries (content_hash)`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS dictionary_tombstones (
        content_hash text PRIMARY KEY,
        name text NOT NULL,
        deleted_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS analysis_claims (
        dictionary_id int PRIMARY KEY REFERENCES dictionaries(id) ON DELETE CASCADE,
        owner text NOT NULL,
        token text NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS analysis_claims`);
    await q.query(`DROP TABLE IF EXISTS dictionary_tombstones`);
    await q.query(`DROP INDEX IF EXISTS dictionaries_content_hash_idx`);
    await q.query(`ALTER TABLE dictionaries DROP COLUMN IF EXISTS content_hash`);
  }
}
