// The `extract` job: `worker extract` run from the queue. Resumable: shards already complete in the output folder
// (its progress.json) are kept, so a killed worker's successor continues after the last complete shard.
import { resolve } from 'node:path';
import { JobPayloads } from '@atlas/migrations';
import { openCorpus } from '../../sources/corpus.js';
import type { TaskHandler } from './taskHandler.js';

/** Rows per shard unless the payload says otherwise (the CLI's default). */
const SHARD_ROWS = 65536;

export function createExtractTask(): TaskHandler {
  return {
    async run({ payload, progress }) {
      const p = JobPayloads.extract.parse(payload);
      const out = resolve(p.out);
      // Loaded here so a worker that never extracts does not pay for TF.js start-up.
      const { extractActivations, extractionResumePoint } = await import('../../sources/extractActivations.js');
      const { disposeModel, loadModel } = await import('../../transformer/modelFolder.js');
      const resumeFrom = extractionResumePoint(out);
      if (resumeFrom) {
        await progress.checkpoint({ out, ...resumeFrom });
        await progress.log(
          'info',
          `resuming the extraction into ${out}: ${resumeFrom.shards} shard(s), ${resumeFrom.rows} rows already written`,
        );
      }
      const model = await loadModel(p.model);
      try {
        const manifest = await extractActivations({
          model,
          corpus: openCorpus(p.corpus),
          hook: p.hook,
          out,
          prependBos: true,
          maxTokens: p.maxTokens,
          shardRows: p.shardRows ?? SHARD_ROWS,
          batchSize: 64,
          dtype: 'float32',
          onProgress: (e) => progress.reportSoon({ done: e.rows, total: e.totalRows, unit: 'tokens' }),
        });
        await progress.settle();
        await progress.log(
          'info',
          `${manifest.totalRows} rows x ${manifest.dIn} in ${manifest.shards.length} shard(s) at ${out} (${model.name}, ${p.hook})`,
        );
      } finally {
        disposeModel(model);
      }
    },
  };
}
