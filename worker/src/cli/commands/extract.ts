// `worker extract`: run a model over a corpus and write hook activations as shards for the engine.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AtlasError } from '../../errors.js';
import { openCorpus } from '../../sources/corpus.js';
import { extractActivations, type ExtractProgress } from '../../sources/extractActivations.js';
import { disposeModel, loadModel } from '../../transformer/modelFolder.js';

function int(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new AtlasError('ARGUMENT_INVALID', `${name} must be an integer >= ${min} (got '${v}')`);
    return n;
  };
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A progress line on stderr: redrawn in place on a terminal, one line per ~5% otherwise. */
export function progressPrinter(label: string): (p: ExtractProgress) => void {
  let lastPrinted = -1;
  return (p) => {
    const frac = p.totalRows > 0 ? p.rows / p.totalRows : 1;
    const width = 30;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const line = `${label} [${bar}] ${(frac * 100).toFixed(1)}% ${p.rows}/${p.totalRows} tokens, ${Math.round(p.tokensPerSecond)} tokens/s, ETA ${clock(p.etaSeconds)}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${frac >= 1 ? '\n' : ''}`);
    else if (Math.floor(frac * 20) > lastPrinted || frac >= 1) {
      lastPrinted = Math.floor(frac * 20);
      process.stderr.write(line + '\n');
    }
  };
}

/** Register `extract` on the CLI. */
export function registerExtract(program: Command): void {
  program
    .command('extract')
    .description('run a model over a corpus and write activations at a hook point as .npy shards with provenance')
    .option('--model <builtin|path>', "'builtin' (the committed tiny LM) or a Hugging Face GPT-2 folder", 'builtin')
    .option('--corpus <brown|path>', "'brown' or a folder of .txt/.jsonl files", 'brown')
    .option('--hook <name>', 'TransformerLens hook name', 'blocks.0.mlp.hook_post')
    .requiredOption('--out <folder>', 'output folder (manifest.json, shards, documents.jsonl)')
    .option('--context <n>', "tokens per window including BOS (default: the model's n_positions)", int('--context', 2))
    .option('--no-bos', 'do not start windows with <|endoftext|>')
    .option('--max-tokens <n>', 'stop after this many tokens', int('--max-tokens', 1))
    .option('--shard-rows <n>', 'rows per shard', int('--shard-rows', 1), 65536)
    .option('--batch <n>', 'windows per forward pass', int('--batch', 1), 64)
    .option('--dtype <float32|float16>', 'stored activation dtype', 'float32')
    .action(async (o) => {
      if (o.dtype !== 'float32' && o.dtype !== 'float16')
        throw new AtlasError('ARGUMENT_INVALID', `--dtype must be float32 or float16 (got '${o.dtype}')`);
      const model = await loadModel(o.model);
      try {
        const started = Date.now();
        const manifest = await extractActivations({
          model,
          corpus: openCorpus(o.corpus),
          hook: o.hook,
          out: resolve(o.out),
          contextSize: o.context,
          prependBos: o.bos,
          maxTokens: o.maxTokens,
          shardRows: o.shardRows,
          batchSize: o.batch,
          dtype: o.dtype,
          onProgress: progressPrinter('extract'),
        });
        const secs = (Date.now() - started) / 1000;
        console.log(
          `${manifest.totalRows} rows x ${manifest.dIn} (${manifest.dtype}) in ${manifest.shards.length} shard(s) at ${resolve(o.out)} ` +
            `(${secs.toFixed(1)} s; ${model.name}, ${o.hook})`,
        );
      } finally {
        disposeModel(model);
      }
    });
}
