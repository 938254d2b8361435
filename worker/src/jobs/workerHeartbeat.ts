// A worker's presence in the database: its row in `workers`, renewed every HEARTBEAT_MS with the job it runs, so
// the api (and the /jobs page) can tell queued jobs that wait for a busy worker from jobs no worker will ever take.
import type { DataSource } from 'typeorm';
import { recordWorkerBeat } from './queue/recordWorkerBeat.js';
import { removeStaleWorkers } from './queue/removeStaleWorkers.js';
import { removeWorker } from './queue/removeWorker.js';

/** How often a worker renews its row; the api counts a worker as alive for WORKER_ALIVE_MS (api side). */
export const HEARTBEAT_MS = 5000;

export interface WorkerHeartbeat {
  /** The job the worker runs now (null when idle); written with the next beat and at once. */
  setJob(jobId: number | null): void;
  /** Stop beating and remove the row (a clean stop: the worker is no longer there). */
  stop(): Promise<void>;
}

/**
 * Write the worker's row now and renew it every `everyMs`. A beat that fails (the database is away) is skipped
 * silently: the work loop reports the outage, and the next beat after it re-creates the row (an upsert).
 */
export async function startHeartbeat(
  dataSource: DataSource,
  workerId: string,
  everyMs = HEARTBEAT_MS,
): Promise<WorkerHeartbeat> {
  let jobId: number | null = null;
  const beat = () => recordWorkerBeat(dataSource, workerId, jobId);
  await removeStaleWorkers(dataSource);
  await beat();
  let beating: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    beating = beat().catch(() => undefined);
  }, everyMs);
  timer.unref();
  return {
    setJob(id) {
      jobId = id;
      beating = beat().catch(() => undefined);
    },
    async stop() {
      clearInterval(timer);
      await beating;
      await removeWorker(dataSource, workerId).catch(() => undefined);
    },
  };
}
