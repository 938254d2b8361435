// `npm run worker -- work`: a long-running worker that takes jobs from the Postgres queue. Run several, on one
// machine or many, against the same database: the queue is how the atlas scales out.
import { JobPayloads, openDatabase, type JobType } from '@atlas/migrations';
import type { Command } from 'commander';
import { pino } from 'pino';
import { loadWorkerConfig } from '../../config.js';
import { claimJob } from '../../jobs/claimJob.js';
import { runJob } from '../../jobs/runJob.js';
import { createTasks } from '../../jobs/tasks/index.js';

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
      console.log(
        `worker ${config.workerId}: taking jobs of types [${types.join(', ') || 'none registered yet'}] from ${db.engine}`,
      );
      let stopping = false;
      const stop = () => (stopping = true);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      while (!stopping) {
        const job = await claimJob(db.dataSource, types, config.workerId, config.leaseMs);
        if (!job) {
          if (options.once) break;
          await new Promise((r) => setTimeout(r, config.pollMs));
          continue;
        }
        log.info({ job: job.id, type: job.type, attempt: job.attempts }, 'claimed');
        // The same schema the api enqueued with: a payload from an older version fails with the reason.
        const parsed = JobPayloads[job.type].safeParse(job.payload);
        const handler = parsed.success
          ? tasks[job.type]
          : {
              run: async () => {
                throw Object.assign(
                  new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')),
                  {
                    code: 'PAYLOAD_INVALID',
                  },
                );
              },
            };
        const outcome = await runJob(
          db.dataSource,
          { id: job.id, type: job.type, payload: job.payload, checkpoint: job.checkpoint, attempts: job.attempts },
          handler,
          { id: config.workerId, leaseMs: config.leaseMs },
        );
        log.info({ job: job.id, outcome }, 'finished');
      }
      await db.close();
    });
}
