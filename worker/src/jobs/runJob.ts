// Run one claimed job to its end state. A failure writes `CODE: message` to the job and reschedules it with
// exponential backoff in one UPDATE fenced by the lease holder; permanent codes (bad input) fail at once.
import type { DataSource } from 'typeorm';
import { JobCancelled, JobProgressReporter } from './jobProgress.js';
import { completeJob } from './queue/completeJob.js';
import { failJob } from './queue/failJob.js';
import { getJobState } from './queue/getJobState.js';
import { releaseJob } from './queue/releaseJob.js';
import type { TaskHandler } from './tasks/taskHandler.js';

/** Error codes that no retry can fix. */
const PERMANENT =
  /^(ARGUMENT_INVALID|SOURCE_NOT_FOUND|SOURCE_MALFORMED|SOURCE_SHAPE_MISMATCH|SOURCE_NOT_FINITE|PROVENANCE_MISMATCH|PAYLOAD_INVALID|OUTPUT_EXISTS)\b/;

export interface ClaimedJob {
  id: number;
  type: string;
  payload: Record<string, unknown>;
  checkpoint: Record<string, unknown> | null;
  attempts: number;
}

/** `released`: the worker was stopping, and handed the job back to the queue unfinished. */
export type JobOutcome = 'succeeded' | 'failed' | 'retrying' | 'cancelled' | 'released';

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' && /^[A-Z_]+$/.test(e.code) ? `${e.code}: ${message}` : `TASK_FAILED: ${message}`;
}

export async function runJob(
  dataSource: DataSource,
  job: ClaimedJob,
  handler: TaskHandler,
  worker: { id: string; leaseMs: number; stopSignal?: AbortSignal },
): Promise<JobOutcome> {
  const progress = new JobProgressReporter(dataSource, job.id, worker.id, worker.leaseMs, 1000, worker.stopSignal);
  const started = performance.now();
  await progress.log(
    'info',
    `attempt ${job.attempts} started on worker ${worker.id}` +
      (job.checkpoint ? `, resuming from checkpoint ${JSON.stringify(job.checkpoint)}` : ''),
  );
  try {
    await handler.run({
      id: job.id,
      payload: job.payload,
      checkpoint: job.checkpoint,
      attempts: job.attempts,
      progress,
    });
    const completed = await completeJob(dataSource, job.id, worker.id);
    // Cancelled (or taken over) after the task's last report: the work is done but the job is not ours to close.
    if (!completed) return await stopped(dataSource, progress, job.id);
    await progress.log('info', `succeeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return 'succeeded';
  } catch (err) {
    // Stopping (SIGTERM): whatever the task ended with (WorkerStopping, or its training child killed by the same
    // signal), the job is not failed; it goes back to the queue. A job that was no longer ours is left alone.
    if (worker.stopSignal?.aborted) {
      const why = 'the worker is stopping (SIGTERM or SIGINT)';
      return (await releaseJob(dataSource, job.id, worker.id, why)) ? 'released' : 'cancelled';
    }
    if (err instanceof JobCancelled) return await stopped(dataSource, progress, job.id);
    const error = describe(err);
    const row = await failJob(dataSource, job.id, worker.id, error, PERMANENT.test(error));
    if (!row) return await stopped(dataSource, progress, job.id);
    if (row.state === 'queued') {
      await progress.log(
        'warn',
        `${error}; retrying in ${Math.min(300, 2 ** row.attempts)} s (attempt ${row.attempts} of ${row.max_attempts})`,
      );
      return 'retrying';
    }
    const why = PERMANENT.test(error) ? 'a retry cannot fix this' : `attempt ${row.attempts} of ${row.max_attempts}`;
    await progress.log('error', `${error} (failed: ${why})`);
    return 'failed';
  }
}

/** The job left this worker's hands while running: cancelled, or its lease passed to another worker. */
async function stopped(dataSource: DataSource, progress: JobProgressReporter, jobId: number): Promise<JobOutcome> {
  const state = await getJobState(dataSource, jobId);
  if (state === undefined) return 'cancelled'; // deleted meanwhile, with its log
  if (state === 'cancelled') {
    await progress.log('warn', 'cancelled; stopped at the next progress report');
    return 'cancelled';
  }
  await progress.log('warn', 'stopped: the lease passed to another worker (this one was too slow to renew it)');
  return 'cancelled';
}
