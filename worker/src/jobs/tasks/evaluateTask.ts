// The `evaluate` job: `worker evaluate` run from the queue, with progress on the job row and cancellation. A retry
// (a killed worker, a crash) redoes the evaluation from the start: each kind's rows are replaced in one
// transaction, so a rerun never duplicates or mixes numbers.
import { JobPayloads, type OpenDatabase } from '@atlas/migrations';
import { DEFAULT_SLICE } from '../../evaluation/evaluateDictionary.js';
import { evaluateIntoAtlas } from '../../pipeline/evaluateIntoAtlas.js';
import type { TaskHandler } from './taskHandler.js';

/** The evaluate task on `db`. */
export function createEvaluateTask(db: OpenDatabase): TaskHandler {
  return {
    async run({ payload, progress }) {
      const p = JobPayloads.evaluate.parse(payload);
      const documents = p.documents ?? DEFAULT_SLICE.documents;
      const tokensPerDocument = p.tokensPerDocument ?? DEFAULT_SLICE.tokensPerDocument;
      // Progress in tokens of the slice's size bound: the evaluation reports fractions, the job row shows a rate.
      const total = documents * tokensPerDocument;
      const report = (f: number) => ({ done: Math.round(f * total), total, unit: 'tokens', fraction: f });
      const r = await evaluateIntoAtlas(db, {
        dictionaryId: p.dictionaryId,
        dictionaryField: 'payload dictionaryId',
        only: p.only,
        out: p.out,
        slice: { documents, tokensPerDocument },
        // reportSoon throws JobCancelled at the next callback after a cancel, which stops the evaluation there.
        onProgress: (f) => progress.reportSoon(report(f)),
      });
      await progress.settle();
      await progress.report({ ...report(1), message: 'stored' }, true);
      const kinds = Object.entries(r.stored).map(([kind, n]) => `${kind} ${n}`);
      await progress.log(
        'info',
        `evaluated dictionary ${p.dictionaryId} (${r.dictionaryName}) on ${r.output.rows[0]?.corpusSlice ?? 'no rows'}: rows ${kinds.join(', ')}; ${r.labelScores} label scores${p.out ? `; wrote ${p.out}` : ''}`,
      );
      if (r.skipped.length) await progress.log('warn', `not computable on this slice: ${r.skipped.join(', ')}`);
    },
  };
}
