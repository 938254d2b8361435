// `worker import-acts`, the activation import: bring activations made elsewhere (.npy / .safetensors + token ids)
// into the engine's shard format, validated, with optional provenance.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AtlasError } from '../../errors.js';
import { importActivations } from '../../sources/importActivations.js';
import { integerFlag } from '../parseArgs.js';

/** Register `import-acts` on the CLI. */
export function registerImportActs(program: Command): void {
  program
    .command('import-acts')
    .description(
      'activation import: external activations (.npy float32/float16 or .safetensors) with their token ids into an activation folder',
    )
    .requiredOption('--acts <file>', '.npy [rows, d_in] or [sequences, seq_len, d_in], or .safetensors')
    .option('--tensor <name>', 'tensor inside a .safetensors file (default: its only tensor)')
    .requiredOption('--tokens <file>', 'token ids: .npy (int32/int64) or .json, [rows] or [sequences, seq_len]')
    .option('--token-strings <file>', '.json array of strings: one per row, or a vocabulary indexed by id')
    .option('--doc-starts <file>', '.npy or .json row indices where documents start (first is 0)')
    .requiredOption('--out <folder>', 'new folder to write (must not exist)')
    .option('--model-name <name>', 'provenance: the model that produced the activations (e.g. gpt2)')
    .option('--hook <name>', 'provenance: hook point, e.g. blocks.6.hook_resid_post')
    .option('--tokenizer <id>', 'provenance: tokenizer identity', 'unknown')
    .option('--context <n>', 'provenance: context size in tokens', integerFlag('--context', 1), 128)
    .option('--no-bos', 'provenance: windows did not start with a BOS token')
    .option('--corpus-name <name>', 'provenance: corpus the tokens came from', 'unknown')
    .option('--shard-rows <n>', 'rows per output shard', integerFlag('--shard-rows', 1), 65536)
    .action((o) => {
      if ((o.modelName === undefined) !== (o.hook === undefined))
        throw new AtlasError(
          'ARGUMENT_INVALID',
          'give --model-name and --hook together (provenance needs both) or neither',
        );
      const m = importActivations({
        acts: resolve(o.acts),
        tensor: o.tensor,
        tokens: resolve(o.tokens),
        tokenStrings: o.tokenStrings && resolve(o.tokenStrings),
        docStarts: o.docStarts && resolve(o.docStarts),
        out: resolve(o.out),
        shardRows: o.shardRows,
        provenance:
          o.hook === undefined
            ? undefined
            : {
                model: o.modelName,
                hook: o.hook,
                tokenizer: o.tokenizer,
                contextSize: o.context,
                prependBos: o.bos,
                corpus: o.corpusName,
              },
      });
      console.log(
        `imported ${m.totalRows} rows x ${m.dIn} (${m.dtype}) into ${m.shards.length} shard(s) at ${resolve(o.out)}`,
      );
    });
}
