// A worker that stops cleanly takes its row out of `workers`: it is no longer there to take jobs.
import type { Queryable } from '../../store/queryable.js';

/** Delete worker `workerId`'s row. */
export async function removeWorker(q: Queryable, workerId: string): Promise<void> {
  await q.query(`DELETE FROM workers WHERE id = $1`, [workerId]);
}
