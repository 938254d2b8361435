import type { JobType } from '@atlas/migrations';
import type { JobProgressReporter } from '../jobProgress.js';

/** What a task receives: its payload (already validated), where it got to last time, and its progress reporter. */
export interface TaskRun {
  id: number;
  payload: Record<string, unknown>;
  /** Saved by an earlier attempt with `progress.checkpoint`; null on a first run. */
  checkpoint: Record<string, unknown> | null;
  attempts: number;
  progress: JobProgressReporter;
}

/** What runs a job of one type. Tasks register here, one file per type (train, extract, analyze, import, export). */
export interface TaskHandler {
  run(job: TaskRun): Promise<void>;
}

// TODO(#6): register train, extract, analyze, import and export as their tasks land.
export const tasks: Partial<Record<JobType, TaskHandler>> = {};
