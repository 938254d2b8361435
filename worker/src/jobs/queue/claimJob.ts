import type { Job, JobType } from '@atlas/migrations';
import type { DataSource } from 'typeorm';

/**
 * Take the oldest runnable job of the given types: queued and due, or running with an expired lease (its worker
 * died) and attempts left. One statement, so two workers never take the same job (SKIP LOCKED on PostgreSQL; on the embedded
 * engine statements are serialised anyway).
 */
export async function claimJob(
  dataSource: DataSource,
  types: readonly JobType[],
  workerId: string,
  leaseMs: number,
): Promise<Job | undefined> {
  if (types.length === 0) return undefined;
  // A job whose workers died max_attempts times (killed, out of memory) would take down every worker that takes it
  // over: give it up instead, saying so in its error and its log.
  await dataSource.query(
    `WITH gone AS (
       UPDATE jobs SET state = 'failed', finished_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL,
         error = 'the worker running it stopped without finishing (' || locked_by || '), attempt ' || attempts
           || ' of ' || max_attempts || '; not retried again. Check that worker''s log (killed? out of memory?), then '
           || 'queue the job anew'
       WHERE type = ANY($1::text[]) AND state = 'running' AND locked_until < now() AND attempts >= max_attempts
       RETURNING id, error)
     INSERT INTO job_logs (job_id, level, message) SELECT id, 'error', error FROM gone`,
    [types],
  );
  const rows: Job[] = await dataSource.query(
    // Wrapped in a CTE: TypeORM returns [rows, count] for a bare UPDATE but plain rows for a SELECT.
    `WITH claimed AS (UPDATE jobs SET state = 'running', locked_by = $1, locked_until = now() + ($2 || ' milliseconds')::interval,
       attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now()
     WHERE id = (
       SELECT id FROM jobs
       WHERE type = ANY($3::text[])
         AND ((state = 'queued' AND run_at <= now())
           OR (state = 'running' AND locked_until < now() AND attempts < max_attempts))
       ORDER BY run_at, id
       FOR UPDATE SKIP LOCKED
       LIMIT 1)
     RETURNING id, type, payload, checkpoint, attempts)
     SELECT * FROM claimed`,
    [workerId, String(leaseMs), types],
  );
  return rows[0];
}
