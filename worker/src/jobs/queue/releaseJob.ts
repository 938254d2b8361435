// A job handed back to the queue unfinished (the worker stops or lost the database), with a log line saying why.
import type { Queryable } from '../../store/queryable.js';
import { appendJobLog } from './appendJobLog.js';

/**
 * Hand a job this worker holds back to the queue, due now, with a log line saying why: the worker is stopping
 * (SIGTERM) or lost the database mid-job. The attempt is given back too, since the job did not fail. Fenced by the
 * lease holder like every other change of state; returns false when the job was no longer ours (cancelled, taken
 * over), which is then left as it is.
 */
export async function releaseJob(q: Queryable, jobId: number, workerId: string, why: string): Promise<boolean> {
  const rows = (await q.query(
    `WITH r AS (
       UPDATE jobs SET state = 'queued', locked_by = NULL, locked_until = NULL, run_at = now(), updated_at = now(),
         attempts = greatest(attempts - 1, 0)
       WHERE id = $1 AND locked_by = $2 AND state = 'running' RETURNING id)
     SELECT id FROM r`,
    [jobId, workerId],
  )) as unknown[];
  if (rows.length === 0) return false;
  await appendJobLog(
    q,
    jobId,
    'warn',
    `released by worker ${workerId}: ${why}; queued again, the next worker resumes it from its last checkpoint`,
  );
  return true;
}
