// A job's state as it is now, for a runner that lost the job mid-run and must say why.
import type { Queryable } from '../../store/queryable.js';

/** Job `jobId`'s state ('queued', 'running', 'cancelled', ...), or undefined when it was deleted. */
export async function getJobState(q: Queryable, jobId: number): Promise<string | undefined> {
  const [row] = (await q.query(`SELECT state FROM jobs WHERE id = $1`, [jobId])) as { state: string }[];
  return row?.state;
}
