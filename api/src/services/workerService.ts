// The queue's workers as their heartbeats (the `workers` table) show them.
import type { DataSource } from 'typeorm';
import type { Worker } from '../schema/worker.type.js';

/**
 * A worker silent for longer than this is taken for gone: 12 of its 5-second heartbeats, and the default job lease
 * (ATLAS_JOB_LEASE_MS), the longest a busy worker is expected to go without touching the database.
 */
export const WORKER_ALIVE_SECONDS = 60;

/** Workers seen within WORKER_ALIVE_SECONDS (with `includeGone`, also those that went quiet), newest first. */
export async function listWorkers(ds: DataSource, includeGone: boolean): Promise<Worker[]> {
  return (await ds.query(
    `SELECT id, host, pid, started_at AS "startedAt", last_seen_at AS "lastSeenAt", job_id AS "jobId",
       last_seen_at > now() - make_interval(secs => $1) AS alive
     FROM workers
     WHERE $2 OR last_seen_at > now() - make_interval(secs => $1)
     ORDER BY last_seen_at DESC, id
     LIMIT 100`,
    [WORKER_ALIVE_SECONDS, includeGone],
  )) as Worker[];
}
