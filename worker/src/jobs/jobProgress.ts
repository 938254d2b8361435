// Progress of a long job: fraction, rate and ETA, written to the job row (throttled) and checked for cancellation;
// and the job's log lines, written to job_logs as they happen.
import type { JobLogLevel } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { appendJobLog } from './queue/appendJobLog.js';
import { reportJobProgress } from './queue/reportJobProgress.js';
import { saveJobCheckpoint } from './queue/saveJobCheckpoint.js';
import { saveJobResult } from './queue/saveJobResult.js';

/** Longest log line kept; a longer one (a stack, a huge payload) is cut with a note. */
const MAX_LOG_CHARS = 4000;

/** Thrown inside a task when its job was cancelled; the runner records the cancellation, not a failure. */
export class JobCancelled extends Error {
  constructor(readonly jobId: number) {
    super(`job ${jobId} was cancelled`);
    this.name = 'JobCancelled';
  }
}

/**
 * Thrown inside a task when its worker was asked to stop (SIGTERM): a JobCancelled, so tasks stop the same way
 * (the training child is killed), but the runner hands the job back to the queue instead of recording a cancel.
 */
export class WorkerStopping extends JobCancelled {
  constructor(jobId: number) {
    super(jobId);
    this.message = `job ${jobId} was stopped because its worker is stopping`;
    this.name = 'WorkerStopping';
  }
}

export interface ProgressReport {
  /** Work done so far and in all, in `unit`s (tokens, features, rows...). */
  done: number;
  total: number;
  unit: string;
  message?: string;
  /** Of the whole job, when it has several stages (default done / total); rate and ETA stay the stage's. */
  fraction?: number;
}

/** What a task gets to report progress and keep its lease; rate and ETA are derived here, once. */
export class JobProgressReporter {
  /** Rate and ETA are measured from the first report of the current unit (a new stage counts anew). */
  private startedAt = Date.now();
  private firstDone = 0;
  private unit: string | undefined;
  private lastWrite = 0;
  private queued: Promise<void> | undefined;
  private deferred: unknown;

  constructor(
    private readonly dataSource: DataSource,
    readonly jobId: number,
    private readonly workerId: string,
    private readonly leaseMs: number,
    /** Minimum time between database writes. */
    private readonly everyMs = 1000,
    /** Aborted when the worker is stopping: the next report throws WorkerStopping. */
    private readonly stopSignal?: AbortSignal,
  ) {}

  /**
   * Record progress (at most every `everyMs` unless `force`), renew the lease, and throw JobCancelled if the job
   * was cancelled or taken over by another worker meanwhile (WorkerStopping, at once, if the worker is stopping).
   */
  async report(p: ProgressReport, force = false): Promise<void> {
    if (this.stopSignal?.aborted) throw new WorkerStopping(this.jobId);
    const now = Date.now();
    if (p.unit !== this.unit) {
      this.unit = p.unit;
      this.startedAt = now;
      this.firstDone = p.done;
    }
    if (!force && now - this.lastWrite < this.everyMs) return;
    this.lastWrite = now;
    const seconds = (now - this.startedAt) / 1000;
    const rate = seconds > 0 ? (p.done - this.firstDone) / seconds : undefined;
    const fraction = p.fraction ?? (p.total > 0 ? Math.min(1, p.done / p.total) : 0);
    const etaSeconds = rate && rate > 0 ? Math.max(0, (p.total - p.done) / rate) : undefined;
    const progress = { fraction, rate, unit: p.unit, etaSeconds, message: p.message, done: p.done, total: p.total };
    if (!(await reportJobProgress(this.dataSource, this.jobId, this.workerId, this.leaseMs, progress)))
      throw new JobCancelled(this.jobId);
  }

  /**
   * `report` for synchronous progress callbacks (a work loop that cannot await): the write happens in the
   * background, at most one at a time; a JobCancelled (or any failure) it met is thrown by the next call here, so
   * the loop stops at its next callback. Call `settle()` when the work ends.
   */
  reportSoon(p: ProgressReport): void {
    if (this.stopSignal?.aborted) throw new WorkerStopping(this.jobId);
    if (this.deferred !== undefined) throw this.deferred;
    if (this.queued || Date.now() - this.lastWrite < this.everyMs) return;
    this.queued = this.report(p).then(
      () => (this.queued = undefined),
      (err: unknown) => {
        this.deferred = err;
        this.queued = undefined;
      },
    );
  }

  /** Wait for a background report and throw what it met. */
  async settle(): Promise<void> {
    await this.queued;
    if (this.deferred !== undefined) throw this.deferred;
  }

  /** Append a line to the job's log (not throttled: tasks log milestones, not every step). */
  async log(level: JobLogLevel, message: string): Promise<void> {
    const text =
      message.length > MAX_LOG_CHARS ? `${message.slice(0, MAX_LOG_CHARS)}… (${message.length} characters)` : message;
    await appendJobLog(this.dataSource, this.jobId, level, text);
  }

  /** Record what the job made (e.g. `{ graphId }`): the job row's `result`. */
  async result(value: Record<string, unknown>): Promise<void> {
    await saveJobResult(this.dataSource, this.jobId, this.workerId, value);
  }

  /** Save where to resume after a crash (and renew the lease). */
  async checkpoint(state: Record<string, unknown>): Promise<void> {
    await saveJobCheckpoint(this.dataSource, this.jobId, this.workerId, this.leaseMs, state);
  }
}
