// `worker train-lm`: train the tiny LM (tokenizer + one-layer GPT-2) on a corpus, print train /
// validation loss against a tuned add-k bigram baseline, and write a Hugging Face model folder.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AtlasError } from '../../errors.js';
import { openCorpus } from '../../sources/corpus.js';
import { BUILTIN_MODEL_DIR } from '../../transformer/modelFolder.js';
import { trainLm } from '../../transformer/trainLm.js';

function int(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new AtlasError('ARGUMENT_INVALID', `${name} must be an integer >= ${min} (got '${v}')`);
    return n;
  };
}

/** Register `train-lm` on the CLI. */
export function registerTrainLm(program: Command): void {
  program
    .command('train-lm')
    .description('train the tiny GPT-2-layout LM on a corpus (CPU, TF.js wasm) and save it as a Hugging Face folder')
    .option('--corpus <brown|path>', 'corpus to train on', 'brown')
    .option('--out <folder>', 'model folder to write', BUILTIN_MODEL_DIR)
    .option('--vocab <n>', 'BPE vocabulary size', int('--vocab', 260), 4096)
    .option('--d-model <n>', 'residual width', int('--d-model', 8), 128)
    .option('--d-mlp <n>', 'MLP width', int('--d-mlp', 8), 512)
    .option('--heads <n>', 'attention heads', int('--heads', 1), 4)
    .option('--layers <n>', 'transformer blocks', int('--layers', 1), 1)
    .option('--context <n>', 'context length in tokens', int('--context', 2), 64)
    .option('--tie-embeddings', 'share the token embedding with the unembedding (GPT-2 style); default untied')
    .option('--batch <n>', 'sequences per step', int('--batch', 1), 32)
    .option('--epochs <n>', 'passes over the training tokens', int('--epochs', 1), 3)
    .option('--lr <x>', 'peak learning rate', (v) => Number(v), 3e-3)
    .option('--warmup <n>', 'warmup steps', int('--warmup', 0), 100)
    .option('--seed <n>', 'random seed', int('--seed', 0), 0)
    .option('--validation-every <n>', 'hold out every n-th document', int('--validation-every', 2), 10)
    .option('--max-documents <n>', 'use only the first n documents (tests)', int('--max-documents', 2))
    .action(async (o) => {
      if (o.dModel % o.heads !== 0)
        throw new AtlasError('ARGUMENT_INVALID', `--d-model ${o.dModel} must be divisible by --heads ${o.heads}`);
      const report = await trainLm(openCorpus(o.corpus), {
        out: resolve(o.out),
        vocabSize: o.vocab,
        dModel: o.dModel,
        dMlp: o.dMlp,
        nHead: o.heads,
        nLayer: o.layers,
        contextSize: o.context,
        tieEmbeddings: o.tieEmbeddings === true,
        batchSize: o.batch,
        epochs: o.epochs,
        lr: o.lr,
        warmupSteps: o.warmup,
        seed: o.seed,
        validationEvery: o.validationEvery,
        maxDocuments: o.maxDocuments,
      });
      console.log(
        [
          `model written to ${resolve(o.out)}`,
          `train loss        ${report.trainLoss.toFixed(3)} nats/token`,
          `validation loss   ${report.validationLoss.toFixed(3)} nats/token`,
          `add-k bigram      ${report.bigram.validationLoss.toFixed(3)} nats/token (k=${report.bigram.k.toPrecision(2)}, tuned on validation)`,
          `add-one bigram    ${report.bigram.addOneValidationLoss.toFixed(3)} nats/token`,
          `unigram           ${report.unigramValidationLoss.toFixed(3)} nats/token`,
          `training time     ${report.seconds.toFixed(0)} s (${Math.round(report.tokensPerSecond)} tokens/s)`,
        ].join('\n'),
      );
    });
}
