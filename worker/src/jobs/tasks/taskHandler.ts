// The contract between the job runner and a task: what a task receives (TaskRun) and what it implements
// (TaskHandler). Its own file so tasks import it without importing the registry (index.ts) that imports them.
import type { OpenDatabase } from '@atlas/migrations';
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

/** What runs a job of one type. Tasks register in index.ts, one file per type (train, extract, analyze, import, export, evaluate, graph). */
export interface TaskHandler {
  run(job: TaskRun): Promise<void>;
}

/** What tasks need from the worker process. */
export interface TaskDeps {
  db: OpenDatabase;
  /** ATLAS_DATA_DIR: where trained dictionaries and other outputs go. */
  dataDir: string;
}
