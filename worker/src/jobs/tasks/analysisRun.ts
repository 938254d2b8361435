// The part the `analyze` and `import` (kind sae) jobs share: analyseIntoAtlas with progress, logs and a checkpoint
// on the job. The analysis pass restarts after a crash (it keeps no state worth saving); the ingest resumes after
// the last chunk that landed, once the checkpoint says the previous attempt got that far.
import type { OpenDatabase } from '@atlas/migrations';
import { analyzeIntoAtlas, type AnalyzeIntoAtlasOptions } from '../../pipeline/analyzeIntoAtlas.js';
import { setJobDictionary } from '../queue/setJobDictionary.js';
import type { TaskRun } from './taskHandler.js';

/** Share of the whole job at the start and end of each stage (rough times of the demo's analysis), for `fraction`. */
const STAGE_SPAN = { corpus: [0, 0.6], summaries: [0.6, 0.8], ingest: [0.8, 1] } as const;

/** Analyse and ingest as job `job`; the job row gets the dictionary's id. */
export async function analyzeAsJob(
  db: OpenDatabase,
  job: TaskRun,
  options: Omit<AnalyzeIntoAtlasOptions, 'resumeIngest' | 'claim'>,
): Promise<number> {
  const { progress } = job;
  const resumeIngest = job.checkpoint?.stage === 'ingest';
  if (resumeIngest)
    await progress.log('info', 'the previous attempt finished the analysis: analysing again, then resuming its ingest');
  let stage = '';
  const id = await analyzeIntoAtlas(
    async () => db,
    // The claim is the job's: a retry of this job takes it back at once; another analysis of the dictionary waits.
    { ...options, resumeIngest, claim: { owner: `job ${job.id}`, whenHeld: 'wait' } },
    {
      log: (line) => progress.log('info', line),
      progress: (p) => {
        const [from, to] = STAGE_SPAN[p.stage];
        progress.reportSoon({
          done: p.done,
          total: p.total,
          unit: p.unit,
          message: p.detail ? `${p.stage}: ${p.detail}` : p.stage,
          fraction: from + (to - from) * (p.total > 0 ? Math.min(1, p.done / p.total) : 0),
        });
        if (p.stage !== stage) {
          stage = p.stage;
          void progress.log('info', `stage: ${p.stage}`).catch(() => undefined); // a lost milestone line is harmless
        }
      },
      dictionary: (dictionaryId) => setJobDictionary(db.dataSource, job.id, dictionaryId),
      ingesting: (dictionaryId) => progress.checkpoint({ stage: 'ingest', dictionaryId }),
      // Reporting renews the job's lease and throws if it was cancelled meanwhile.
      waitingForClaim: (holder) =>
        progress.report(
          {
            done: 0,
            total: 1,
            unit: 'steps',
            message: `waiting for ${holder.owner}, which is analysing this dictionary`,
          },
          true,
        ),
    },
  );
  await progress.settle();
  return id;
}
