// `worker extract`: run a model over a corpus and write hook activations as shards for the engine.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AtlasError } from '../../errors.js';
import { openCorpus } from '../../sources/corpus.js';
import { integerFlag } from '../parseArgs.js';
import { createProgress } from '../progress.js';

/** Register `extract` on the CLI. */
export function registerExtract(program: Command): void {
  program
    .command('extract')
    .description('run a model over a corpus and write activations at a hook point as .npy shards with provenance')
    .option(
      '--model <builtin|path>',
      "'builtin' (the committed tiny LM) or a Hugging Face model folder (GPT-2, Llama, Mistral, Qwen2, GPT-NeoX, Gemma 2)",
      'builtin',
    )
    .option('--corpus <brown|path>', "'brown' or a folder of .txt/.jsonl files", 'brown')
    .option('--hook <name>', 'TransformerLens hook name', 'blocks.0.mlp.hook_post')
    .option(
      '--target-hook <name>',
      "a second hook written from the same pass at the same positions (a transcoder's target), e.g. blocks.0.hook_mlp_out with --hook blocks.0.ln2.hook_normalized",
    )
    .requiredOption('--out <folder>', 'output folder (manifest.json, shards, documents.jsonl)')
    .option(
      '--context <n>',
      "tokens per window including BOS (default: the model's n_positions)",
      integerFlag('--context', 2),
    )
    .option('--no-bos', 'do not start windows with <|endoftext|>')
    .option('--max-tokens <n>', 'stop after this many tokens', integerFlag('--max-tokens', 1))
    .option('--shard-rows <n>', 'rows per shard', integerFlag('--shard-rows', 1), 65536)
    .option('--batch <n>', 'windows per forward pass', integerFlag('--batch', 1), 64)
    .option('--dtype <float32|float16>', 'stored activation dtype', 'float32')
    .action(async (o) => {
      if (o.dtype !== 'float32' && o.dtype !== 'float16')
        throw new AtlasError('ARGUMENT_INVALID', `--dtype must be float32 or float16 (got '${o.dtype}')`);
      // Loaded here so other commands do not pay for TF.js start-up.
      const { extractActivations } = await import('../../sources/extractActivations.js');
      const { disposeModel, loadModel } = await import('../../transformer/modelFolder.js');
      const model = await loadModel(o.model);
      try {
        const started = Date.now();
        const progress = createProgress('extract', { unit: 'tokens' });
        const manifest = await extractActivations({
          model,
          corpus: openCorpus(o.corpus),
          hook: o.hook,
          targetHook: o.targetHook,
          out: resolve(o.out),
          contextSize: o.context,
          prependBos: o.bos,
          maxTokens: o.maxTokens,
          shardRows: o.shardRows,
          batchSize: o.batch,
          dtype: o.dtype,
          onProgress: (p) => progress.update(p.rows, p.totalRows, p.rows, ''),
        });
        progress.done();
        const secs = (Date.now() - started) / 1000;
        console.log(
          `${manifest.totalRows} rows x ${manifest.dIn} (${manifest.dtype}) in ${manifest.shards.length} shard(s) at ${resolve(o.out)} ` +
            `(${secs.toFixed(1)} s; ${model.name}, ${o.hook}${o.targetHook ? ` → ${o.targetHook}` : ''})`,
        );
      } finally {
        disposeModel(model);
      }
    });
}
