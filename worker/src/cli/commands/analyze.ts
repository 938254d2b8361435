// `worker analyze --sae <folder>`: bring a dictionary (trained here or a SAELens folder) into the atlas: run the
// analysis pass over a corpus, ingest features and examples, link families across widths, mark it ready.
import { resolve } from 'node:path';
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import type { Command } from 'commander';
import { readPartial, writePartial } from '../../analysis/analysisPartial.js';
import {
  analyzeDictionary,
  analyzeRange,
  checkPartials,
  mergePartials,
  type AnalyzeOptions,
  type TokenRange,
} from '../../analysis/analyzeDictionary.js';
import { topCosineNeighboursOn, type AsyncMatmulABt } from '../../analysis/similarity.js';
import { loadBackend } from '../../engine/backend.js';
import { loadExternalSae } from '../../engine/sae/loadExternalSae.js';
import { AtlasError } from '../../errors.js';
import { ingestDictionary } from '../../ingest/ingestDictionary.js';
import { storeFeatureLinks } from '../../ingest/featureLinks.js';
import { openCorpus } from '../../sources/corpus.js';
import { tokenizeDocument, type TokenizedDocument } from '../../sources/corpusCache.js';
import { loadModel } from '../../transformer/modelFolder.js';
import { initTfjs } from '../../transformer/runtime.js';
import { ensureDictionary, dictionariesOnHook, finishAnalysis, readDecoder } from '../../store/dictionaryLifecycle.js';
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
  range?: string;
  partialOut?: string;
  merge?: string;
}

/** `--range start:end` as corpus rows. */
function parseRange(spec: string): TokenRange {
  const m = /^(\d+):(\d+)$/.exec(spec);
  const range = m ? { start: Number(m[1]), end: Number(m[2]) } : undefined;
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
      'bring a dictionary into the atlas: analyse it over a corpus and ingest its features (alias: import-sae)',
    )
    .option('--sae <folder>', 'SAELens (any version) or EleutherAI sparsify folder')
    .option('--model <spec>', 'builtin or a Hugging Face GPT-2-layout folder', 'builtin')
    .option('--corpus <spec>', 'brown or a folder of .txt/.jsonl', 'brown')
    .option('--hook <name>', "hook point (default: the dictionary's hook_name)")
    .option('--name <name>', 'dictionary name in the atlas (default: the folder name)')
    .option('--max-tokens <n>', 'analyse at most this many tokens')
    .option('--context <n>', 'tokens per window including BOS', '64')
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
      const folder = resolve(flags.sae);
      const sae = loadExternalSae(folder);
      const hook = flags.hook ?? sae.hookName ?? undefined;
      if (!hook)
        throw new AtlasError(
          'ARGUMENT_INVALID',
          `${folder}/cfg.json has no hook_name; pass --hook, e.g. --hook blocks.0.mlp.hook_post`,
        );
      if (flags.hook && sae.hookName && flags.hook !== sae.hookName)
        throw new AtlasError(
          'PROVENANCE_MISMATCH',
          `--hook ${flags.hook} but ${folder} was trained on ${sae.hookName}; drop --hook or pick the matching dictionary`,
        );
      if ((flags.range === undefined) !== (flags.partialOut === undefined))
        throw new AtlasError(
          'ARGUMENT_INVALID',
          '--range and --partial-out go together: --range 0:100000 --partial-out part-0.bin',
        );
      if (flags.range !== undefined && flags.merge !== undefined)
        throw new AtlasError('ARGUMENT_INVALID', '--range writes one partial and --merge combines them: pass one');
      const range = flags.range === undefined ? undefined : parseRange(flags.range);
      const maxTokens = flags.maxTokens === undefined ? undefined : Number(flags.maxTokens);
      if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 0))
        throw new AtlasError('ARGUMENT_INVALID', `--max-tokens must be a positive integer (got '${flags.maxTokens}')`);
      const progress = createProgress('analyze');
      await initTfjs();
      const model = await loadModel(flags.model);
      const trainedOn = sae.modelName;
      if (trainedOn && trainedOn !== model.name)
        throw new AtlasError(
          'PROVENANCE_MISMATCH',
          `${folder} was trained on activations of ${trainedOn}, not ${model.name}; pass --model ${trainedOn}`,
        );
      const corpus = openCorpus(flags.corpus);
      const documents: TokenizedDocument[] = [];
      let tokens = 0;
      for await (const doc of corpus.documents()) {
        const t = tokenizeDocument(model.tokenizer, doc, documents.length);
        documents.push(t);
        tokens += t.tokens.length;
        if (maxTokens !== undefined && tokens >= maxTokens) break;
      }
      const backend = await loadBackend('auto');
      progress.log(
        `backend: ${backend.description}; ${documents.length} documents, ${tokens} tokens of ${corpus.name}`,
      );
      const options: AnalyzeOptions = {
        sae,
        model,
        documents,
        hook,
        backend,
        contextSize: Number(flags.context),
        prependBos: flags.bos,
        maxTokens,
        onProgress: (p) => {
          if (p.phase === 'corpus') progress.update(p.done, p.total, p.done, 'corpus');
          else progress.note(`${p.phase}…`);
        },
      };
      if (range) {
        try {
          const t0 = performance.now();
          const partial = await analyzeRange(options, range);
          progress.done();
          writePartial(resolve(flags.partialOut!), partial);
          const seconds = (performance.now() - t0) / 1000;
          progress.log(
            `analysed rows [${partial.range.start}, ${partial.range.end}) in ${seconds.toFixed(1)} s; partial written to ${flags.partialOut}`,
          );
        } finally {
          backend.dispose();
        }
        return;
      }
      const partials = flags.merge?.split(',').map((f) => readPartial(resolve(f.trim())));
      if (partials) checkPartials(options, partials); // before the dictionary is marked as analysing
      const db = await openDatabase(loadDbConfig());
      try {
        const id = await ensureDictionary(db.dataSource, folder, sae, { name: flags.name, hook });
        await db.dataSource.query(`UPDATE dictionaries SET status = 'analyzing' WHERE id = $1`, [id]);
        const t0 = performance.now();
        const result = partials ? await mergePartials(options, partials) : await analyzeDictionary(options);
        progress.done();
        const seconds = (performance.now() - t0) / 1000;
        progress.log(
          `analysed ${result.tokens} tokens in ${seconds.toFixed(1)} s (${Math.round(result.tokens / seconds)} tokens/s${partials ? ` after merging ${partials.length} partials` : ''}); map by ${result.mapMethod}`,
        );
        progress.log(
          `phases: ${Object.entries(result.timings)
            .map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)} s`)
            .join(', ')}`,
        );
        const ingested = await ingestDictionary(
          db,
          { id, dIn: sae.dIn, nLatents: sae.dSae },
          result.features,
          (f) => result.examples.get(f) ?? [],
        );
        progress.log(`ingested ${ingested.features} features and ${ingested.examples} examples`);
        for (const other of await dictionariesOnHook(db.dataSource, id, hook, sae.dIn)) {
          const otherDecoder = await readDecoder(db.dataSource, other.id, sae.dIn, other.nLatents);
          const gemm: AsyncMatmulABt = (a, m, b, n, d) => backend.matmulT(a, b, null, m, d, n);
          const aToB = await topCosineNeighboursOn(gemm, sae.wDec, sae.dSae, otherDecoder, other.nLatents, sae.dIn, 3);
          const bToA = await topCosineNeighboursOn(gemm, otherDecoder, other.nLatents, sae.wDec, sae.dSae, sae.dIn, 3);
          const n = await storeFeatureLinks(db, id, other.id, aToB, bToA);
          progress.log(`linked ${n} family pairs with dictionary ${other.id}`);
        }
        await finishAnalysis(db.dataSource, id, result.ceLoss);
        if (result.ceLoss)
          progress.log(
            `CE loss: clean ${result.ceLoss.clean.toFixed(3)}, spliced ${result.ceLoss.spliced.toFixed(3)}, zero-ablated ${result.ceLoss.zeroAblated.toFixed(3)}: recovered ${result.ceLoss.recovered.toFixed(3)}`,
          );
        console.log(`dictionary ${id} is ready`);
      } finally {
        backend.dispose();
        await db.close();
      }
    });
}
