// The `analyze` job: (re)run the analysis of a dictionary already in the atlas from its weights folder, and ingest it.
import { JobPayloads, type OpenDatabase } from '@atlas/migrations';
import { AtlasError } from '../../errors.js';
import { ANALYSIS_CONTEXT } from '../../pipeline/analyzeIntoAtlas.js';
import { analyzeAsJob } from './analysisRun.js';
import type { TaskHandler } from './index.js';

export function createAnalyzeTask(db: OpenDatabase): TaskHandler {
  return {
    async run(job) {
      const p = JobPayloads.analyze.parse(job.payload);
      const [row] = (await db.dataSource.query(`SELECT weights_path, hook_point FROM dictionaries WHERE id = $1`, [
        p.dictionaryId,
      ])) as { weights_path: string | null; hook_point: string }[];
      if (!row)
        throw new AtlasError(
          'ARGUMENT_INVALID',
          `dictionary ${p.dictionaryId} does not exist; list them with { dictionaries { id } }`,
        );
      if (!row.weights_path)
        throw new AtlasError(
          'SOURCE_NOT_FOUND',
          `dictionary ${p.dictionaryId} has no weights folder on the server; import it again with an import job (kind sae)`,
        );
      await analyzeAsJob(db, job, {
        folder: row.weights_path,
        dictionaryId: p.dictionaryId,
        hook: row.hook_point,
        model: p.model ?? 'builtin',
        corpus: p.corpus ?? 'brown',
        maxTokens: p.maxTokens,
        contextSize: ANALYSIS_CONTEXT,
        prependBos: true,
      });
    },
  };
}
