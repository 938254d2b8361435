// Jobs whose workers kept dying: given up before a claim, so no worker takes over a job that kills workers.
import type { JobType } from '@atlas/migrations';
import type { Queryable } from '../../store/queryable.js';

/**
 * Fail every job of `types` whose lease ran out with no attempts left, saying so in its error and one log line. A job
 * whose workers died max_attempts times (killed, out of memory) would take down every worker that takes it over.
 */
export async function failAbandonedJobs(q: Queryable, types: readonly JobType[]): Promise<void> {
  await q.query(
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
}
