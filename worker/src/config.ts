// The worker's process configuration, parsed and validated once at start-up. Only this file reads process.env.
import { hostname } from 'node:os';
import { AtlasError, DbEnv, describeIssues, loadDbConfig, type DbConfig } from '@atlas/migrations';
import { z } from 'zod';

export const WorkerEnv = DbEnv.extend({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How often an idle worker looks for jobs. */
  ATLAS_WORKER_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** A job whose lease is not renewed within this time is taken over by another worker. */
  ATLAS_JOB_LEASE_MS: z.coerce.number().int().min(1000).default(60_000),
});

export type WorkerConfig = Readonly<{
  db: DbConfig;
  logLevel: z.infer<typeof WorkerEnv>['LOG_LEVEL'];
  pollMs: number;
  leaseMs: number;
  /** Name written into a job's lease, so an operator can tell workers apart. */
  workerId: string;
}>;

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const parsed = WorkerEnv.safeParse(env);
  if (!parsed.success) throw new AtlasError('CONFIG_INVALID', describeIssues(parsed.error, env));
  const e = parsed.data;
  return {
    db: loadDbConfig(env),
    logLevel: e.LOG_LEVEL,
    pollMs: e.ATLAS_WORKER_POLL_MS,
    leaseMs: e.ATLAS_JOB_LEASE_MS,
    workerId: `${hostname()}:${process.pid}`,
  };
}
