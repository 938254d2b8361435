// `npm run worker -- work [--once]`: the queue's worker (jobs/runWorker.ts) as a command.
import type { Command } from 'commander';
import { loadWorkerConfig } from '../../config.js';
import { runWorker } from '../../jobs/runWorker.js';

export function registerWork(program: Command): void {
  program
    .command('work')
    .description('take jobs from the queue until stopped (SIGINT/SIGTERM)')
    .option('--once', 'exit when no job is waiting')
    .action(async (options: { once?: boolean }) => {
      await runWorker(loadWorkerConfig(), { once: options.once });
      // Exit now: a task's stray handles (timers, a killed child's pipes) must not keep a stopped worker alive.
      process.exit(0);
    });
}
