import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Job logs: the lines a job writes as it runs (start, retries, milestones, failure, cancel, finish), so the api can
 * show what a job did without access to the worker's stderr. Deleted with their job.
 */
export class JobLogs1732700000000 implements MigrationInterface {
  name = 'JobLogs1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_logs (
        id bigserial PRIMARY KEY,
        job_id int NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT now(),
        level text NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
        message text NOT NULL
      )`);
    // A job's newest lines: ORDER BY id DESC LIMIT n within one job.
    await q.query(`CREATE INDEX job_logs_job_idx ON job_logs (job_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS job_logs`);
  }
}
