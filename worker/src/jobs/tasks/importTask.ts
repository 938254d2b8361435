// The `import` job type (the stored name), one of two kinds by its payload:
//   `sae`          SAE import: a SAELens or sparsify folder analysed and ingested, as `worker analyze` (`import-sae`);
//   `activations`  activation import: activations made elsewhere into the engine's shard format, as `worker import-acts`.
// Restoring an export folder (`worker restore`) is the archive restore, which is not a job.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JobPayloads, type JobPayload, type OpenDatabase } from '@atlas/migrations';
import { MANIFEST_FILE } from '../../formats/activationManifest.js';
import { ANALYSIS_CONTEXT } from '../../pipeline/analyzeIntoAtlas.js';
import { importActivations } from '../../sources/importActivations.js';
import { analyzeAsJob } from './analysisRun.js';
import type { TaskHandler, TaskRun } from './taskHandler.js';

/** Rows per output shard of an activation import (the CLI's default). */
const SHARD_ROWS = 65536;

type ImportPayload = JobPayload<'import'>;

/** SAE import: the analysis pass over the folder's dictionary, then the ingest, as an analysis job runs them. */
async function importSae(db: OpenDatabase, job: TaskRun, p: Extract<ImportPayload, { kind: 'sae' }>): Promise<void> {
  await analyzeAsJob(db, job, {
    folder: p.path,
    model: p.model,
    corpus: p.corpus ?? 'brown',
    maxTokens: p.maxTokens,
    contextSize: ANALYSIS_CONTEXT,
    prependBos: true,
  });
}

/** Activation import into a new shard folder; a retry finds the folder an earlier attempt completed. */
async function importActivationFiles(job: TaskRun, p: Extract<ImportPayload, { kind: 'activations' }>): Promise<void> {
  const out = resolve(p.out);
  // The import renames its folder into place when complete: one there on a retry is the earlier attempt's.
  if (job.attempts > 1 && existsSync(join(out, MANIFEST_FILE))) {
    await job.progress.log('info', `${out} was completed by an earlier attempt`);
    return;
  }
  await job.progress.report({ done: 0, total: 1, unit: 'files' }, true);
  const m = importActivations({ acts: resolve(p.acts), tokens: resolve(p.tokens), out, shardRows: SHARD_ROWS });
  await job.progress.log(
    'info',
    `imported ${m.totalRows} rows x ${m.dIn} (${m.dtype}) into ${m.shards.length} shard(s) at ${out}`,
  );
}

export function createImportTask(db: OpenDatabase): TaskHandler {
  return {
    async run(job) {
      const p = JobPayloads.import.parse(job.payload);
      if (p.kind === 'sae') await importSae(db, job, p);
      else await importActivationFiles(job, p);
    },
  };
}
