import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workers: one row per `worker work` process, written at start and renewed by its heartbeat, so the api can tell
 * whether anyone is taking jobs (a queued job with no worker alive waits forever). Removed when a worker stops
 * cleanly; a killed worker's row stays with its last heartbeat, and workers prune rows not seen for a day.
 */
export class Workers1733100000000 implements MigrationInterface {
  name = 'Workers1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workers (
        id text PRIMARY KEY,
        host text NOT NULL,
        pid int NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        job_id int REFERENCES jobs(id) ON DELETE SET NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS workers`);
  }
}
