import type { JobType, OpenDatabase } from '@atlas/migrations';
import type { JobProgressReporter } from '../jobProgress.js';
import { createAnalyzeTask } from './analyzeTask.js';
import { exportTask } from './exportTask.js';
import { createExtractTask } from './extractTask.js';
import { createImportTask } from './importTask.js';
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
  db: OpenDatabase;
  /** ATLAS_DATA_DIR: where trained dictionaries and other outputs go. */
  dataDir: string;
}

/** The registry of job types this worker can run. */
export function createTasks(deps: TaskDeps): Record<JobType, TaskHandler> {
  return {
    train: createTrainTask({ dataSource: deps.db.dataSource, dataDir: deps.dataDir }),
    extract: createExtractTask(),
    analyze: createAnalyzeTask(deps.db, deps.dataDir),
    import: createImportTask(deps.db),
    export: exportTask(deps.db.dataSource),
  };
}
