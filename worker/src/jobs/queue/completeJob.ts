// A job's task finished: the job succeeds, fenced by the lease holder.
import type { Queryable } from '../../store/queryable.js';

/**
 * Mark job `jobId` succeeded (progress fraction 1, error cleared, lease dropped) if `workerId` still holds it
 * running; false when it does not (cancelled or taken over after the task's last report), and nothing changes.
 */
export async function completeJob(q: Queryable, jobId: number, workerId: string): Promise<boolean> {
  const rows = (await q.query(
    `WITH s AS (UPDATE jobs SET state = 'succeeded', finished_at = now(), updated_at = now(), error = NULL,
       locked_by = NULL, progress = jsonb_set(progress, '{fraction}', '1')
     WHERE id = $1 AND locked_by = $2 AND state = 'running' RETURNING id) SELECT id FROM s`,
    [jobId, workerId],
  )) as unknown[];
  return rows.length > 0;
}
