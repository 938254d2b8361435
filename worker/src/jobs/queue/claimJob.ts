// Claim the next job for this worker: the one statement that hands out work, after giving up abandoned jobs.
import type { Job, JobType } from '@atlas/migrations';
import type { Queryable } from '../../store/queryable.js';
import { failAbandonedJobs } from './failAbandonedJobs.js';

/**
 * Take the oldest runnable job of the given types: queued and due, or running with an expired lease (its worker
 * died) and attempts left; jobs with none left are given up first (failAbandonedJobs). One statement, so two workers
 * never take the same job (SKIP LOCKED on PostgreSQL; on the embedded engine statements are serialised anyway).
 */
export async function claimJob(
  q: Queryable,
  types: readonly JobType[],
  workerId: string,
  leaseMs: number,
): Promise<Job | undefined> {
  if (types.length === 0) return undefined;
  await failAbandonedJobs(q, types);
  const rows = (await q.query(
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
  )) as Job[];
  return rows[0];
}
