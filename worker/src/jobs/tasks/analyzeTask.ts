// The `analyze` job: (re)run the analysis of a dictionary already in the atlas from its weights folder, and ingest it.
// With `split` it fans out into part jobs and a merge job instead (analyzeSplit.ts).
import { JobPayloads, type JobPayload, type OpenDatabase } from '@atlas/migrations';
import { AtlasError } from '../../errors.js';
import { ANALYSIS_CONTEXT, type AnalyzeIntoAtlasOptions } from '../../pipeline/analyzeIntoAtlas.js';
import { readAnalysisSource } from '../../store/dictionaryLifecycle.js';
import { analyzeAsJob } from './analysisRun.js';
import { analyzePart, enqueueAnalysisParts, mergeAnalysisParts } from './analyzeSplit.js';
import type { TaskHandler } from './taskHandler.js';

/** The analysis an `analyze` payload asks for: the dictionary's weights folder and hook, the model and corpus. */
async function analysisOf(db: OpenDatabase, p: JobPayload<'analyze'>): Promise<AnalyzeIntoAtlasOptions> {
  const row = await readAnalysisSource(db.dataSource, p.dictionaryId);
  if (!row)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `dictionary ${p.dictionaryId} does not exist; list them with { dictionaries { id } }`,
    );
  if (!row.weightsPath)
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      `dictionary ${p.dictionaryId} has no weights folder on the server; import it again with an import job (kind sae)`,
    );
  return {
    folder: row.weightsPath,
    dictionaryId: p.dictionaryId,
    hook: row.hookPoint,
    model: p.model ?? 'builtin',
    corpus: p.corpus ?? 'brown',
    maxTokens: p.maxTokens,
    contextSize: ANALYSIS_CONTEXT,
    prependBos: true,
  };
}

/** `dataDir`: ATLAS_DATA_DIR, where a split analysis keeps its parts' files until the merge. */
export function createAnalyzeTask(db: OpenDatabase, dataDir: string): TaskHandler {
  return {
    async run(job) {
      const p = JobPayloads.analyze.parse(job.payload);
      const analysis = await analysisOf(db, p);
      if (p.split) await enqueueAnalysisParts(db, job, { ...p, split: p.split }, analysis, dataDir);
      else if (p.part) await analyzePart(db, job, p.part, analysis);
      else if (p.merge) await mergeAnalysisParts(db, job, p.merge, analysis, dataDir);
      else await analyzeAsJob(db, job, analysis);
    },
  };
}
