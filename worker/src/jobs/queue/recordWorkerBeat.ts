// A worker's heartbeat: its row in `workers` written or renewed, with the job it runs.
import { hostname } from 'node:os';
import type { Queryable } from '../../store/queryable.js';

/** Write worker `workerId`'s row (this host and process) or renew it: seen now, running `jobId` (null: idle). */
export async function recordWorkerBeat(q: Queryable, workerId: string, jobId: number | null): Promise<void> {
  await q.query(
    `INSERT INTO workers (id, host, pid, job_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET last_seen_at = now(), job_id = excluded.job_id`,
    [workerId, hostname(), process.pid, jobId],
  );
}
