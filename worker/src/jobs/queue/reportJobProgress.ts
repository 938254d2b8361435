// A running job's progress written to its row, renewing the lease in the same fenced UPDATE.
import type { Queryable } from '../../store/queryable.js';

/**
 * Write `progress` (JSON) to job `jobId` and extend its lease by `leaseMs`, only while `workerId` holds it running.
 * False when it does not (cancelled, or taken over by another worker): nothing is written.
 */
export async function reportJobProgress(
  q: Queryable,
  jobId: number,
  workerId: string,
  leaseMs: number,
  progress: Record<string, unknown>,
): Promise<boolean> {
  const rows = (await q.query(
    `WITH u AS (UPDATE jobs SET progress = $2, locked_until = now() + ($3 || ' milliseconds')::interval, updated_at = now()
       WHERE id = $1 AND state = 'running' AND locked_by = $4 RETURNING id) SELECT id FROM u`,
    [jobId, JSON.stringify(progress), String(leaseMs), workerId],
  )) as unknown[];
  return rows.length > 0;
}
