import type { JobType } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import type { JobProgressReporter } from '../jobProgress.js';
import { exportTask } from './exportTask.js';
import { createTrainTask } from './trainTask.js';

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

/** What tasks need from the worker process. */
export interface TaskDeps {
  dataSource: DataSource;
  /** ATLAS_DATA_DIR: where trained dictionaries and other outputs go. */
  dataDir: string;
}

/** The registry of job types this worker can run. */
// TODO(#6): register extract, analyze and import as their tasks land.
export function createTasks(deps: TaskDeps): Partial<Record<JobType, TaskHandler>> {
  return { train: createTrainTask(deps), export: exportTask(deps.dataSource) };
}
