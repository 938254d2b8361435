import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `evaluate` job type (issue 17): the jobs table checks its type against a list, so the list grows by one.
 * `jobs_type_check` is the name PostgreSQL gave the inline check of the Init migration.
 */
export class EvaluateJobs1733700000000 implements MigrationInterface {
  name = 'EvaluateJobs1733700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_type_check`);
    await q.query(
      `ALTER TABLE jobs ADD CONSTRAINT jobs_type_check
         CHECK (type IN ('train', 'extract', 'analyze', 'import', 'export', 'evaluate'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM jobs WHERE type = 'evaluate'`);
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_type_check`);
    await q.query(
      `ALTER TABLE jobs ADD CONSTRAINT jobs_type_check CHECK (type IN ('train', 'extract', 'analyze', 'import', 'export'))`,
    );
  }
}
