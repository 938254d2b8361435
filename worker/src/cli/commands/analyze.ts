// `worker analyze --sae <folder>`: bring a dictionary (trained here or a SAELens folder) into the atlas: run the
// analysis pass over a corpus, ingest features and examples, link families across widths, mark it ready.
import { loadDbConfig, openDatabase, type OpenDatabase } from '@atlas/migrations';
import type { Command } from 'commander';
import { AtlasError } from '../../errors.js';
import { ANALYSIS_CONTEXT, analyzeIntoAtlas } from '../../pipeline/analyzeIntoAtlas.js';
import { createProgress } from '../progress.js';

interface AnalyzeFlags {
  sae?: string;
  model: string;
  corpus: string;
  hook?: string;
  name?: string;
  maxTokens?: string;
  context: string;
  bos: boolean;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .alias('import-sae')
    .description(
      'bring a dictionary into the atlas: analyse it over a corpus and ingest its features (alias: import-sae)',
    )
    .option('--sae <folder>', 'SAELens (any version) or EleutherAI sparsify folder')
    .option('--model <spec>', 'builtin or a Hugging Face GPT-2-layout folder', 'builtin')
    .option('--corpus <spec>', 'brown or a folder of .txt/.jsonl', 'brown')
    .option('--hook <name>', "hook point (default: the dictionary's hook_name)")
    .option('--name <name>', 'dictionary name in the atlas (default: the folder name)')
    .option('--max-tokens <n>', 'analyse at most this many tokens')
    .option('--context <n>', 'tokens per window including BOS', String(ANALYSIS_CONTEXT))
    .option('--no-bos', 'do not prepend <|endoftext|> to each window')
    .argument('[folder]', 'the SAELens or sparsify folder (same as --sae)')
    .action(async (folderArg: string | undefined, flags: AnalyzeFlags) => {
      flags.sae ??= folderArg;
      if (!flags.sae)
        throw new AtlasError(
          'ARGUMENT_INVALID',
          '--sae is required (or the folder as the first argument): the SAELens or sparsify folder to analyse',
        );
      const maxTokens = flags.maxTokens === undefined ? undefined : Number(flags.maxTokens);
      if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 0))
        throw new AtlasError('ARGUMENT_INVALID', `--max-tokens must be a positive integer (got '${flags.maxTokens}')`);
      const progress = createProgress('analyze');
      let db: OpenDatabase | undefined;
      try {
        let stage = '';
        const id = await analyzeIntoAtlas(
          async () => (db = await openDatabase(loadDbConfig())),
          {
            folder: flags.sae,
            model: flags.model,
            corpus: flags.corpus,
            hook: flags.hook,
            name: flags.name,
            maxTokens,
            contextSize: Number(flags.context),
            prependBos: flags.bos,
          },
          {
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
          },
        );
        console.log(`dictionary ${id} is ready`);
      } finally {
        await db?.close();
      }
    });
}
