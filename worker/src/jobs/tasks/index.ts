import type { JobType } from '@atlas/migrations';

/** What runs a job of one type. Tasks register here, one file per type (train, extract, analyze, import, export). */
export interface TaskHandler {
  run(job: { id: number; payload: Record<string, unknown> }): Promise<void>;
}

// TODO(#6): register train, extract, analyze, import and export as their tasks land.
export const tasks: Partial<Record<JobType, TaskHandler>> = {};
