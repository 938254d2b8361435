// The `export` job: `worker export` run from the queue, with progress on the job row and cancellation.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobPayloads } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { exportDictionary } from '../../archive/exportDictionary.js';
import { DICTIONARY_FILE } from '../../archive/exportFormat.js';
import type { TaskHandler } from './taskHandler.js';

/** An export of `dictionaryId` already at `out`: an earlier attempt finished it but died before the job was marked. */
function alreadyExported(out: string, dictionaryId: number): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(out, DICTIONARY_FILE), 'utf8')) as { dictionary?: { id?: number } };
    return manifest.dictionary?.id === dictionaryId;
  } catch {
    return false;
  }
}

/**
 * The export task on `dataSource`. A retry starts the export over (the partial folder is discarded); an export
 * the previous attempt completed counts as done.
 */
export function exportTask(dataSource: DataSource): TaskHandler {
  return {
    async run({ payload, progress }) {
      const { dictionaryId, out } = JobPayloads.export.parse(payload);
      if (existsSync(out) && alreadyExported(out, dictionaryId)) {
        await progress.log('info', `${out} holds this dictionary's export already (an earlier attempt finished it)`);
        return;
      }
      const s = await exportDictionary(dataSource, dictionaryId, out, {
        onProgress: (p) =>
          progress.report({
            done: p.features,
            total: p.totalFeatures,
            unit: 'features',
            message: `${p.stage}: ${p.rows} rows`,
          }),
      });
      await progress.log(
        'info',
        `exported dictionary ${dictionaryId} to ${s.out}: ${s.features} features, ${s.examples} examples, ${s.explanations} explanations, ${s.links} links`,
      );
    },
  };
}
