// `npm run worker -- work`: a long-running worker that takes jobs from the Postgres queue. Run several, on one
// machine or many, against the same database: the queue is how the atlas scales out.
import { openDatabase, type JobType } from '@atlas/migrations';
import type { Command } from 'commander';
import { pino } from 'pino';
import { loadWorkerConfig } from '../../config.js';
import { claimJob } from '../../jobs/claimJob.js';
import { tasks } from '../../jobs/tasks/index.js';

export function registerWork(program: Command): void {
  program
    .command('work')
    .description('take jobs from the queue until stopped (SIGINT/SIGTERM)')
    .option('--once', 'exit when no job is waiting')
    .action(async (options: { once?: boolean }) => {
      const config = loadWorkerConfig();
      const log = pino({ name: 'worker', level: config.logLevel }, pino.destination(2));
      const db = await openDatabase(config.db);
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
        log.info({ job: job.id, type: job.type }, 'claimed');
        await tasks[job.type]!.run({ id: job.id, payload: job.payload });
      }
      await db.close();
    });
}
