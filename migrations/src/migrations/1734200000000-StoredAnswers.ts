import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored answers (issue 20): read operations' answers rendered ahead of time (`npm run prerender -w api`), each with
 * the read versions it depended on, so a page the api's memory does not hold is one primary-key read instead of a
 * GraphQL execution. An answer is served only while its stamp matches the database's read versions; a stale one is
 * left for the next prerender to replace. No trigger: storing answers changes nothing the api reads for an answer.
 */
export class StoredAnswers1734200000000 implements MigrationInterface {
  name = 'StoredAnswers1734200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS stored_answers (
        key text PRIMARY KEY,
        build text NOT NULL,
        stamp text NOT NULL,
        etag text NOT NULL,
        content_type text NOT NULL,
        body text NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The prerender drops an older api's answers (their keys can never be asked for again).
    await q.query(`CREATE INDEX IF NOT EXISTS stored_answers_build_idx ON stored_answers (build)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS stored_answers`);
  }
}
