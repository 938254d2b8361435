// One dictionary's analysis split by token range across workers: the split job enqueues one part job per range,
// each part analyses its range into a partial file, the last part to finish enqueues the merge job, and the merge
// job merges the partials (bit-exact with one pass), ingests like any analyze job and removes the partials.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { JobPayload, OpenDatabase } from '@atlas/migrations';
import { AtlasError } from '../../errors.js';
import { analysisRows, analyzeRangeToFile, type AnalyzeIntoAtlasOptions } from '../../pipeline/analyzeIntoAtlas.js';
import { addAnalysisPartJobs } from '../queue/addAnalysisPartJobs.js';
import { recordAnalysisPart } from '../queue/recordAnalysisPart.js';
import { analyzeAsJob } from './analysisRun.js';
import type { TaskRun } from './taskHandler.js';

type AnalyzePayload = JobPayload<'analyze'>;
type PartOf = NonNullable<AnalyzePayload['part']>;

/** Where the parts of split job `parentId` write their partials: `<ATLAS_DATA_DIR>/partials/job-<id>`. */
export function partialsFolder(dataDir: string, parentId: number): string {
  return join(resolve(dataDir), 'partials', `job-${parentId}`);
}

/**
 * The split job: count the corpus rows, and enqueue `split` part jobs whose ranges tile them. Idempotent: a retry
 * (the worker died after the enqueue committed) finds the parts, under a lock on its own row, and adds none.
 */
export async function enqueueAnalysisParts(
  db: OpenDatabase,
  job: TaskRun,
  payload: AnalyzePayload & { split: number },
  analysis: AnalyzeIntoAtlasOptions,
  dataDir: string,
): Promise<void> {
  const { progress } = job;
  const { split, dictionaryId, model, corpus, maxTokens } = payload;
  const base = { dictionaryId, model, corpus, maxTokens }; // what a part keeps of its parent's payload
  const total = await analysisRows(analysis);
  if (total < split)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `split ${split} asks for more parts than the ${total} corpus rows of dictionary ${dictionaryId}; use split <= ${total} or more tokens`,
    );
  const folder = partialsFolder(dataDir, job.id);
  mkdirSync(folder, { recursive: true });
  const parts = Array.from({ length: split }, (_, index) => ({
    ...base,
    part: {
      parent: job.id,
      index,
      of: split,
      start: Math.floor((index * total) / split),
      end: Math.floor(((index + 1) * total) / split),
      file: join(folder, `part-${index}.atlaspart`),
    },
  }));
  const { ids, fresh } = await addAnalysisPartJobs(db.dataSource, job.id, parts, dictionaryId);
  await progress.report({ done: split, total: split, unit: 'parts' }, true);
  await progress.log(
    'info',
    fresh
      ? `split rows [0, ${total}) into ${split} part jobs: ${ids.join(', ')}; partials go to ${folder}`
      : `an earlier attempt already enqueued the part jobs ${ids.join(', ')}`,
  );
}

/** A part job: analyse its range into its partial file, then record it on the split job (the last one queues the merge). */
export async function analyzePart(
  db: OpenDatabase,
  job: TaskRun,
  part: PartOf,
  analysis: AnalyzeIntoAtlasOptions,
): Promise<void> {
  const { progress } = job;
  const name = `part ${part.index + 1} of ${part.of} (rows [${part.start}, ${part.end}))`;
  // The file is renamed into place once complete, so one that exists is an earlier attempt's finished work.
  if (existsSync(part.file)) await progress.log('info', `${name}: an earlier attempt wrote ${part.file}`);
  else {
    await analyzeRangeToFile(analysis, { start: part.start, end: part.end }, part.file, {
      log: (line) => progress.log('info', line),
      progress: (p) =>
        progress.reportSoon({
          done: p.done,
          total: p.total,
          unit: p.unit,
          message: `${name}: ${p.stage}`,
          fraction: p.stage === 'corpus' && p.total > 0 ? Math.min(1, p.done / p.total) : undefined,
        }),
    });
    await progress.settle();
  }
  // A part cancelled meanwhile stops here, before it counts towards the merge.
  await progress.report({ done: part.end - part.start, total: part.end - part.start, unit: 'tokens' }, true);
  const { partsDone, mergeJobId } = await recordAnalysisPart(db.dataSource, part, `${job.id}:${job.attempts}`);
  await progress.log(
    'info',
    mergeJobId !== null
      ? `${name} done, the last of job ${part.parent}'s parts: merge job ${mergeJobId} queued`
      : `${name} done; ${partsDone} of ${part.of} parts of job ${part.parent} done`,
  );
}

/** The merge job: merge the partials, ingest (resuming like any analyze job), then remove the partials' folder. */
export async function mergeAnalysisParts(
  db: OpenDatabase,
  job: TaskRun,
  merge: NonNullable<AnalyzePayload['merge']>,
  analysis: AnalyzeIntoAtlasOptions,
  dataDir: string,
): Promise<void> {
  const { progress } = job;
  // The folder the split job made (by the files' paths, so it holds if workers' ATLAS_DATA_DIRs differ).
  const folder = dirname(resolve(merge.files[0]));
  if (basename(folder) !== basename(partialsFolder(dataDir, merge.parent)))
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `merge of split job ${merge.parent} names partials in ${folder}, not a job-${merge.parent} folder; enqueue the split analysis again`,
    );
  if (job.checkpoint?.stage !== 'merged') {
    await analyzeAsJob(db, job, { ...analysis, mergePartials: merge.files });
    await progress.checkpoint({ stage: 'merged' });
  }
  rmSync(folder, { recursive: true, force: true });
  await progress.log('info', `merged ${merge.files.length} partials of split job ${merge.parent}; removed ${folder}`);
}
