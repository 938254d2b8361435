// A long-running worker that takes jobs from the Postgres queue (`worker work`). Run several, on one machine or
// many, against the same database: the queue is how the atlas scales out. It outlives the database (reconnects with
// backoff) and stops cleanly on SIGTERM/SIGINT, handing an unfinished job back to the queue.
import { JobPayloads, openDatabase, type JobType, type OpenDatabase } from '@atlas/migrations';
import { pino, type Logger } from 'pino';
import type { WorkerConfig } from '../config.js';
import { isConnectionLost, sleepUnlessAborted, waitForDatabase } from './databaseOutage.js';
import { claimJob } from './queue/claimJob.js';
import { releaseJob } from './queue/releaseJob.js';
import { runJob } from './runJob.js';
import { createTasks } from './tasks/index.js';
import type { TaskHandler } from './tasks/taskHandler.js';
import { startHeartbeat, type WorkerHeartbeat } from './workerHeartbeat.js';

/** What `worker work`'s flags set. */
export interface RunWorkerOptions {
  /** Return when no job is waiting instead of polling for more. */
  once?: boolean;
}

/**
 * Take jobs until stopped (SIGINT, SIGTERM, or the `npm start` that forked this process going away), or, with
 * `once`, until the queue has nothing due. Resolves once the worker's row is removed and the database closed; the
 * caller exits the process then.
 */
export async function runWorker(config: WorkerConfig, options: RunWorkerOptions = {}): Promise<void> {
  const log = pino({ name: 'worker', level: config.logLevel }, pino.destination(2));
  const db = await openDatabase(config.db);
  const tasks = createTasks({ db, dataDir: config.db.dataDir });
  const types = Object.keys(tasks) as JobType[];
  const workerId = config.workerId;
  console.log(
    `worker ${workerId}: taking jobs of types [${types.join(', ') || 'none registered yet'}] from ${db.engine}`,
  );
  const stopSignal = stopOnSignals(workerId);
  const heartbeat = await startHeartbeat(db.dataSource, workerId);
  await pollQueue({ db, tasks, types, config, once: options.once ?? false, stopSignal, heartbeat, log });
  await heartbeat.stop();
  await db.close();
}

/** Aborted on SIGINT, SIGTERM, or when the `npm start` that forked this worker is gone (even killed, unable to say). */
function stopOnSignals(workerId: string): AbortSignal {
  const stopping = new AbortController();
  const stop = (signal: string) => {
    if (!stopping.signal.aborted)
      console.log(`worker ${workerId}: ${signal}; stopping (a running job is handed back to the queue)`);
    stopping.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (process.send) process.once('disconnect', () => stop('npm start is gone'));
  return stopping.signal;
}

/** A handler for a job whose payload fails its schema: it fails at once, with the schema's reasons. */
function rejectPayload(reasons: string): TaskHandler {
  return {
    run: async () => {
      throw Object.assign(new Error(reasons), { code: 'PAYLOAD_INVALID' });
    },
  };
}

/** The poll loop: claim, run, repeat; a lost database is waited for and the job it interrupted handed back. */
async function pollQueue(w: {
  db: OpenDatabase;
  tasks: Record<JobType, TaskHandler>;
  types: JobType[];
  config: WorkerConfig;
  once: boolean;
  stopSignal: AbortSignal;
  heartbeat: WorkerHeartbeat;
  log: Logger;
}): Promise<void> {
  const { db, tasks, types, config, stopSignal, heartbeat, log } = w;
  const workerId = config.workerId;
  let current: number | undefined;
  while (!stopSignal.aborted) {
    try {
      if (current !== undefined) {
        // The database went away while this job ran: its task stopped at the failed write; hand it back now
        // rather than after its lease (it is ours, nobody else may take it before then).
        await releaseJob(db.dataSource, current, workerId, 'the database connection was lost while it ran');
        current = undefined;
      }
      const job = await claimJob(db.dataSource, types, workerId, config.leaseMs);
      if (!job) {
        if (w.once) break;
        await sleepUnlessAborted(config.pollMs, stopSignal);
        continue;
      }
      current = job.id;
      heartbeat.setJob(job.id);
      log.info({ job: job.id, type: job.type, attempt: job.attempts }, 'claimed');
      // The same schema the api enqueued with: a payload from an older version fails with the reason.
      const parsed = JobPayloads[job.type].safeParse(job.payload);
      const handler = parsed.success
        ? tasks[job.type]
        : rejectPayload(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const outcome = await runJob(
        db.dataSource,
        { id: job.id, type: job.type, payload: job.payload, checkpoint: job.checkpoint, attempts: job.attempts },
        handler,
        { id: workerId, leaseMs: config.leaseMs, stopSignal },
      );
      current = undefined;
      heartbeat.setJob(null);
      log.info({ job: job.id, outcome }, 'finished');
      if (outcome === 'released') console.log(`worker ${workerId}: job ${job.id} handed back to the queue`);
    } catch (err) {
      if (!isConnectionLost(err)) throw err;
      const back = await waitForDatabase(db.dataSource, { workerId, url: db.url, cause: err }, stopSignal);
      if (!back) break; // stopping during the outage: the job (if any) comes back to the queue with its lease
    }
  }
}
