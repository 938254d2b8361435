// The registry of job types this worker runs: one task file per type, listed here by hand.
import type { JobType } from '@atlas/migrations';
import { createAnalyzeTask } from './analyzeTask.js';
import { createEvaluateTask } from './evaluateTask.js';
import { exportTask } from './exportTask.js';
import { createExtractTask } from './extractTask.js';
import { createGraphTask } from './graphTask.js';
import { createImportTask } from './importTask.js';
import type { TaskDeps, TaskHandler } from './taskHandler.js';
import { createTrainTask } from './trainTask.js';

/** The registry of job types this worker can run. */
export function createTasks(deps: TaskDeps): Record<JobType, TaskHandler> {
  return {
    train: createTrainTask({ dataSource: deps.db.dataSource, dataDir: deps.dataDir }),
    extract: createExtractTask(),
    analyze: createAnalyzeTask(deps.db, deps.dataDir),
    import: createImportTask(deps.db),
    export: exportTask(deps.db.dataSource),
    evaluate: createEvaluateTask(deps.db),
    graph: createGraphTask(deps.db),
  };
}
