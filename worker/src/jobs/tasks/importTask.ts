// The `import` job: a SAELens or sparsify folder analysed and ingested (`worker import-sae`), or activations made
// elsewhere brought into the engine's shard format (`worker import-acts`).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JobPayloads, type OpenDatabase } from '@atlas/migrations';
import { MANIFEST_FILE } from '../../formats/activationManifest.js';
import { ANALYSIS_CONTEXT } from '../../pipeline/analyzeIntoAtlas.js';
import { importActivations } from '../../sources/importActivations.js';
import { analyzeAsJob } from './analysisRun.js';
import type { TaskHandler } from './taskHandler.js';

/** Rows per output shard of an activations import (the CLI's default). */
const SHARD_ROWS = 65536;

export function createImportTask(db: OpenDatabase): TaskHandler {
  return {
    async run(job) {
      const p = JobPayloads.import.parse(job.payload);
      if (p.kind === 'sae') {
        await analyzeAsJob(db, job, {
          folder: p.path,
          model: p.model,
          corpus: p.corpus ?? 'brown',
          maxTokens: p.maxTokens,
          contextSize: ANALYSIS_CONTEXT,
          prependBos: true,
        });
        return;
      }
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
    },
  };
}
