// One line of a job's log (job_logs), as tasks, the runner and the queue write them.
import type { JobLogLevel } from '@atlas/migrations';
import type { Queryable } from '../../store/queryable.js';

/** Append `message` to job `jobId`'s log at `level`. */
export async function appendJobLog(q: Queryable, jobId: number, level: JobLogLevel, message: string): Promise<void> {
  await q.query(`INSERT INTO job_logs (job_id, level, message) VALUES ($1, $2, $3)`, [jobId, level, message]);
}
