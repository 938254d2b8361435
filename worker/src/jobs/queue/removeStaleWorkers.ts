// Rows of workers gone for a day (killed, their machine gone): removed at a worker's start, they would only
// clutter the list.
import type { Queryable } from '../../store/queryable.js';

/** Delete the rows of workers not seen for a day. */
export async function removeStaleWorkers(q: Queryable): Promise<void> {
  await q.query(`DELETE FROM workers WHERE last_seen_at < now() - interval '1 day'`);
}
