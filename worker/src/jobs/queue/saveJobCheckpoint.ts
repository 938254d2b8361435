// Where a job resumes after a crash: its checkpoint, saved by the lease holder (renewing the lease).
import type { Queryable } from '../../store/queryable.js';

/** Save `state` as job `jobId`'s checkpoint and extend its lease by `leaseMs`, if `workerId` still holds it. */
export async function saveJobCheckpoint(
  q: Queryable,
  jobId: number,
  workerId: string,
  leaseMs: number,
  state: Record<string, unknown>,
): Promise<void> {
  await q.query(
    `UPDATE jobs SET checkpoint = $2, locked_until = now() + ($3 || ' milliseconds')::interval WHERE id = $1 AND locked_by = $4`,
    [jobId, JSON.stringify(state), String(leaseMs), workerId],
  );
}
