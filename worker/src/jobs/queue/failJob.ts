// A job's task failed: record the error and either requeue it with exponential backoff or fail it for good, in
// one UPDATE fenced by the lease holder.
import type { Queryable } from '../../store/queryable.js';

/** The job's row after a failure: 'queued' (to be retried at its new run_at) or 'failed'. */
export interface FailedJobRow {
  state: string;
  attempts: number;
  max_attempts: number;
}

/**
 * Write `error` to job `jobId` and drop its lease; it fails at once when `permanent` or out of attempts, else it is
 * queued again after min(300, 2^attempts) s. Undefined when `workerId` no longer holds it running (nothing changes).
 */
export async function failJob(
  q: Queryable,
  jobId: number,
  workerId: string,
  error: string,
  permanent: boolean,
): Promise<FailedJobRow | undefined> {
  const [row] = (await q.query(
    `WITH f AS (
       UPDATE jobs SET error = $3, updated_at = now(), locked_by = NULL, locked_until = NULL,
         state = CASE WHEN $4 OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
         finished_at = CASE WHEN $4 OR attempts >= max_attempts THEN now() ELSE NULL END,
         run_at = now() + (least(300, 2 ^ attempts) || ' seconds')::interval
       WHERE id = $1 AND locked_by = $2 AND state = 'running' RETURNING state, attempts, max_attempts)
     SELECT state, attempts, max_attempts FROM f`,
    [jobId, workerId, error, permanent],
  )) as FailedJobRow[];
  return row;
}
