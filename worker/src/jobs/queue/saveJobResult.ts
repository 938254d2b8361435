// What a job made (e.g. `{ graphId }`), saved by the lease holder so a client reading the finished job finds it.
import type { Queryable } from '../../store/queryable.js';

/** Save `result` on job `jobId` if `workerId` still holds it. */
export async function saveJobResult(
  q: Queryable,
  jobId: number,
  workerId: string,
  result: Record<string, unknown>,
): Promise<void> {
  await q.query(`UPDATE jobs SET result = $2 WHERE id = $1 AND locked_by = $3`, [
    jobId,
    JSON.stringify(result),
    workerId,
  ]);
}
