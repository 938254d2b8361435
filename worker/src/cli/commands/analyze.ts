// `worker analyze --sae <folder>` (also `import-sae`), the SAE import: bring a dictionary (trained here or a SAELens
// or sparsify folder) into the atlas: run the analysis pass over a corpus, ingest features and examples, link
// families across widths, mark it ready.
import { loadDbConfig, openDatabase, type OpenDatabase } from '@atlas/migrations';
import type { Command } from 'commander';
import { AtlasError } from '../../errors.js';
import type { TokenRange } from '../../analysis/analyzeDictionary.js';
import {
  ANALYSIS_CONTEXT,
  analyzeIntoAtlas,
  analyzeRangeToFile,
  type AnalyzeIntoAtlasEvents,
} from '../../pipeline/analyzeIntoAtlas.js';
import { integerFlag, parseNumber } from '../parseArgs.js';
import { createProgress } from '../progress.js';

interface AnalyzeFlags {
  sae?: string;
  model: string;
  corpus: string;
  hook?: string;
  name?: string;
  maxTokens?: number;
  context: number;
  bos: boolean;
  range?: string;
  partialOut?: string;
  merge?: string;
}

/** `--range start:end` as corpus rows. */
function parseRange(spec: string): TokenRange {
  const m = /^(\d+):(\d+)$/.exec(spec);
  const range = m
    ? {
        start: parseNumber('--range start', m[1], { integer: true, min: 0 }),
        end: parseNumber('--range end', m[2], { integer: true, min: 0 }),
      }
    : undefined;
  if (!range || range.end <= range.start)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `--range must be start:end token rows with start < end, e.g. --range 0:100000 (got '${spec}')`,
    );
  return range;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .alias('import-sae')
    .description(
      'SAE import: bring a dictionary into the atlas, analysing it over a corpus and ingesting its features (alias: import-sae)',
    )
    .option('--sae <folder>', 'SAELens (any version) or EleutherAI sparsify folder')
    .option(
      '--model <spec>',
      'builtin or a Hugging Face model folder (GPT-2, Llama, Mistral, Qwen2, GPT-NeoX, Gemma 2)',
      'builtin',
    )
    .option('--corpus <spec>', 'brown or a folder of .txt/.jsonl', 'brown')
    .option('--hook <name>', "hook point (default: the dictionary's hook_name)")
    .option('--name <name>', 'dictionary name in the atlas (default: the folder name)')
    .option('--max-tokens <n>', 'analyse at most this many tokens', integerFlag('--max-tokens', 1))
    .option('--context <n>', 'tokens per window including BOS', integerFlag('--context', 2), ANALYSIS_CONTEXT)
    .option('--no-bos', 'do not prepend <|endoftext|> to each window')
    .option('--range <start:end>', 'analyse only these token rows and write a partial (needs --partial-out)')
    .option('--partial-out <file>', 'where --range writes its partial analysis')
    .option('--merge <files>', 'comma-separated partials that tile the corpus: merge, finish and ingest them')
    .argument('[folder]', 'the SAELens or sparsify folder (same as --sae)')
    .action(async (folderArg: string | undefined, flags: AnalyzeFlags) => {
      flags.sae ??= folderArg;
      if (!flags.sae)
        throw new AtlasError(
          'ARGUMENT_INVALID',
          '--sae is required (or the folder as the first argument): the SAELens or sparsify folder to analyse',
        );
      if ((flags.range === undefined) !== (flags.partialOut === undefined))
        throw new AtlasError(
          'ARGUMENT_INVALID',
          '--range and --partial-out go together: --range 0:100000 --partial-out part-0.bin',
        );
      if (flags.range !== undefined && flags.merge !== undefined)
        throw new AtlasError('ARGUMENT_INVALID', '--range writes one partial and --merge combines them: pass one');
      const range = flags.range === undefined ? undefined : parseRange(flags.range);
      const options = {
        folder: flags.sae,
        model: flags.model,
        corpus: flags.corpus,
        hook: flags.hook,
        name: flags.name,
        maxTokens: flags.maxTokens,
        contextSize: flags.context,
        prependBos: flags.bos,
        mergePartials: flags.merge?.split(',').map((f) => f.trim()),
      };
      const progress = createProgress('analyze');
      let stage = '';
      const events: AnalyzeIntoAtlasEvents = {
        log: (line) => {
          if (stage === 'corpus') progress.done();
          stage = '';
          progress.log(line);
        },
        progress: (p) => {
          if (p.stage === 'corpus') progress.update(p.done, p.total, p.done, 'corpus');
          else if (p.stage === 'summaries' && p.detail !== stage) progress.note(`${p.detail}…`);
          stage = p.stage === 'summaries' ? (p.detail ?? '') : p.stage;
        },
      };
      if (range) return analyzeRangeToFile(options, range, flags.partialOut!, events);
      let db: OpenDatabase | undefined;
      try {
        const id = await analyzeIntoAtlas(async () => (db = await openDatabase(loadDbConfig())), options, events);
        console.log(`dictionary ${id} is ready`);
      } finally {
        await db?.close();
      }
    });
}
