// `worker evaluate --dictionary <id> [--only core,sparse_probing] [--out eval.json]`: the offline evaluations of a
// dictionary in the atlas (issue 17), stored in the database and optionally written in SAEBench's result layout.
import { openDatabase } from '@atlas/migrations';
import type { Command } from 'commander';
import { loadWorkerConfig } from '../../config.js';
import { AtlasError } from '../../errors.js';
import { DEFAULT_SLICE } from '../../evaluation/evaluateDictionary.js';
import { evaluateIntoAtlas, parseEvaluationKinds } from '../../pipeline/evaluateIntoAtlas.js';
import { integerFlag, parseNumber } from '../parseArgs.js';
import { createProgress } from '../progress.js';

interface EvaluateFlags {
  dictionary?: string;
  only?: string;
  out?: string;
  documents: number;
  tokensPerDocument: number;
  seed: number;
}

/** The aggregate numbers worth a line each in the summary, per kind. */
const SUMMARY: [string, string][] = [
  ['core', 'fvu'],
  ['core', 'l0'],
  ['core', 'ce_loss_score'],
  ['core', 'dead_fraction'],
  ['sparse_probing', 'pos.sae_top_1_test_accuracy'],
  ['sparse_probing', 'pos.llm_test_accuracy'],
  ['sparse_probing', 'genre.sae_top_1_test_accuracy'],
  ['tpp', 'tpp_metric_top_10'],
  ['absorption', 'mean_absorption_fraction'],
  ['label_scoring', 'mean_f1'],
  ['label_scoring', 'labelled_fraction'],
];

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      'evaluate a dictionary of the atlas on held-out Brown text (core, sparse probing, TPP, POS absorption, label scoring) and store the results',
    )
    .option('--dictionary <id>', 'the dictionary to evaluate (its id in the atlas)')
    .option(
      '--only <kinds>',
      'comma-separated kinds: core, sparse_probing, tpp, absorption, label_scoring (default: all)',
    )
    .option('--out <file>', "also write the results as JSON in SAEBench's result layout")
    .option(
      '--documents <n>',
      'held-out documents (every 5th of Brown)',
      integerFlag('--documents', 1),
      DEFAULT_SLICE.documents,
    )
    .option(
      '--tokens-per-document <n>',
      'tokens of each held-out document',
      integerFlag('--tokens-per-document', 1),
      DEFAULT_SLICE.tokensPerDocument,
    )
    .option('--seed <n>', 'seed of the probes’ train/test split', integerFlag('--seed', 0), 0)
    .action(async (flags: EvaluateFlags) => {
      if (flags.dictionary === undefined)
        throw new AtlasError('ARGUMENT_INVALID', '--dictionary is required: the id of the dictionary to evaluate');
      const dictionaryId = parseNumber('--dictionary', flags.dictionary, { integer: true, min: 1 });
      const only = flags.only === undefined ? undefined : parseEvaluationKinds(flags.only);
      const config = loadWorkerConfig();
      const db = await openDatabase(config.db);
      const progress = createProgress('evaluate', { unit: 'tokens' });
      // The slice's size bound (documents × tokens each) is the progress unit; the pass is half the work.
      const total = flags.documents * flags.tokensPerDocument;
      try {
        const r = await evaluateIntoAtlas(db, {
          dictionaryId,
          only,
          out: flags.out,
          slice: { documents: flags.documents, tokensPerDocument: flags.tokensPerDocument },
          seed: flags.seed,
          onProgress: (f) => progress.update(Math.round(f * total), total, Math.round(f * total), ''),
        });
        progress.done();
        const { rows, timings } = r.output;
        console.log(
          `dictionary ${dictionaryId} (${r.dictionaryName}) on ${r.modelName}: ${rows[0]?.corpusSlice ?? ''}`,
        );
        console.log(
          `  ${'pass'.padEnd(15)} ${''.padStart(5)}       ${((timings.pass ?? 0) / 1000).toFixed(1)} s  (forward + encode)`,
        );
        for (const [kind, n] of Object.entries(r.stored))
          console.log(
            `  ${kind.padEnd(15)} ${String(n).padStart(5)} rows  ${((timings[kind] ?? 0) / 1000).toFixed(1)} s`,
          );
        console.log(`  ${'label scores'.padEnd(15)} ${String(r.labelScores).padStart(5)}`);
        for (const [kind, metric] of SUMMARY) {
          const row = rows.find((x) => x.kind === kind && x.metric === metric && x.subject === null);
          if (row) console.log(`  ${metric.padEnd(32)} ${row.value.toFixed(4)}`);
        }
        if (r.skipped.length) console.log(`  not computable on this slice (not stored): ${r.skipped.join(', ')}`);
        if (flags.out) console.log(`wrote ${flags.out} (SAEBench layout, ${r.output.saebench.length} eval types)`);
      } finally {
        await db.close();
      }
    });
}
