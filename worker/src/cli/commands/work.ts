// `npm run worker -- work`: a long-running worker that takes jobs from the Postgres queue. Run several, on one
// machine or many, against the same database: the queue is how the atlas scales out. It outlives the database
// (reconnects with backoff) and stops cleanly on SIGTERM/SIGINT, handing an unfinished job back to the queue.
import { JobPayloads, openDatabase, type JobType } from '@atlas/migrations';
import type { Command } from 'commander';
import { pino } from 'pino';
import { loadWorkerConfig } from '../../config.js';
import { claimJob } from '../../jobs/queue/claimJob.js';
import { isConnectionLost, sleepUnlessAborted, waitForDatabase } from '../../jobs/databaseOutage.js';
import { releaseJob } from '../../jobs/queue/releaseJob.js';
import { runJob } from '../../jobs/runJob.js';
import { createTasks } from '../../jobs/tasks/index.js';
import { startHeartbeat } from '../../jobs/workerHeartbeat.js';

export function registerWork(program: Command): void {
  program
    .command('work')
    .description('take jobs from the queue until stopped (SIGINT/SIGTERM)')
    .option('--once', 'exit when no job is waiting')
    .action(async (options: { once?: boolean }) => {
      const config = loadWorkerConfig();
      const log = pino({ name: 'worker', level: config.logLevel }, pino.destination(2));
      const db = await openDatabase(config.db);
      const tasks = createTasks({ db, dataDir: config.db.dataDir });
      const types = Object.keys(tasks) as JobType[];
      const workerId = config.workerId;
      console.log(
        `worker ${workerId}: taking jobs of types [${types.join(', ') || 'none registered yet'}] from ${db.engine}`,
      );
      const stopping = new AbortController();
      const stop = (signal: string) => {
        if (!stopping.signal.aborted)
          console.log(`worker ${workerId}: ${signal}; stopping (a running job is handed back to the queue)`);
        stopping.abort();
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      // Started by `npm start` (an IPC channel): stop with it, even when it was killed and could not say so.
      if (process.send) process.once('disconnect', () => stop('npm start is gone'));
      const heartbeat = await startHeartbeat(db.dataSource, workerId);
      let current: number | undefined;
      while (!stopping.signal.aborted) {
        try {
          if (current !== undefined) {
            // The database went away while this job ran: its task stopped at the failed write; hand it back now
            // rather than after its lease (it is ours, nobody else may take it before then).
            await releaseJob(db.dataSource, current, workerId, 'the database connection was lost while it ran');
            current = undefined;
          }
          const job = await claimJob(db.dataSource, types, workerId, config.leaseMs);
          if (!job) {
            if (options.once) break;
            await sleepUnlessAborted(config.pollMs, stopping.signal);
            continue;
          }
          current = job.id;
          heartbeat.setJob(job.id);
          log.info({ job: job.id, type: job.type, attempt: job.attempts }, 'claimed');
          // The same schema the api enqueued with: a payload from an older version fails with the reason.
          const parsed = JobPayloads[job.type].safeParse(job.payload);
          const handler = parsed.success
            ? tasks[job.type]
            : {
                run: async () => {
                  throw Object.assign(
                    new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')),
                    { code: 'PAYLOAD_INVALID' },
                  );
                },
              };
          const outcome = await runJob(
            db.dataSource,
            { id: job.id, type: job.type, payload: job.payload, checkpoint: job.checkpoint, attempts: job.attempts },
            handler,
            { id: workerId, leaseMs: config.leaseMs, stopSignal: stopping.signal },
          );
          current = undefined;
          heartbeat.setJob(null);
          log.info({ job: job.id, outcome }, 'finished');
          if (outcome === 'released') console.log(`worker ${workerId}: job ${job.id} handed back to the queue`);
        } catch (err) {
          if (!isConnectionLost(err)) throw err;
          const back = await waitForDatabase(db.dataSource, { workerId, url: db.url, cause: err }, stopping.signal);
          if (!back) break; // stopping during the outage: the job (if any) comes back to the queue with its lease
        }
      }
      await heartbeat.stop();
      await db.close();
      // Exit now: a task's stray handles (timers, a killed child's pipes) must not keep a stopped worker alive.
      process.exit(0);
    });
}
