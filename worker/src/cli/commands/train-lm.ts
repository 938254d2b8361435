// `worker train-lm`: train the tiny LM (tokenizer + GPT-2 layout, one or more layers) on a corpus, print train /
// validation loss against a tuned add-k bigram baseline, and write a Hugging Face model folder.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AtlasError } from '../../errors.js';
import { openCorpus } from '../../sources/corpus.js';
import { BUILTIN_MODEL_DIR } from '../../transformer/builtinModel.js';
import { integerFlag, numberFlag } from '../parseArgs.js';

/** Register `train-lm` on the CLI. */
export function registerTrainLm(program: Command): void {
  program
    .command('train-lm')
    .description('train the tiny GPT-2-layout LM on a corpus (CPU, TF.js wasm) and save it as a Hugging Face folder')
    .option('--corpus <brown|path>', 'corpus to train on', 'brown')
    .option('--out <folder>', 'model folder to write', BUILTIN_MODEL_DIR)
    .option('--vocab <n>', 'BPE vocabulary size', integerFlag('--vocab', 260), 4096)
    .option('--d-model <n>', 'residual width', integerFlag('--d-model', 8), 128)
    .option('--d-mlp <n>', 'MLP width', integerFlag('--d-mlp', 8), 512)
    .option('--heads <n>', 'attention heads', integerFlag('--heads', 1), 4)
    .option('--layers <n>', 'transformer blocks', integerFlag('--layers', 1), 1)
    .option('--context <n>', 'context length in tokens', integerFlag('--context', 2), 64)
    .option('--tie-embeddings', 'share the token embedding with the unembedding (GPT-2 style); default untied')
    .option('--batch <n>', 'sequences per step', integerFlag('--batch', 1), 32)
    .option('--epochs <n>', 'passes over the training tokens', integerFlag('--epochs', 1), 3)
    .option('--lr <x>', 'peak learning rate', numberFlag('--lr', { min: Number.MIN_VALUE }), 3e-3)
    .option('--warmup <n>', 'warmup steps', integerFlag('--warmup', 0), 100)
    .option('--seed <n>', 'random seed', integerFlag('--seed', 0), 0)
    .option('--validation-every <n>', 'hold out every n-th document', integerFlag('--validation-every', 2), 10)
    .option('--max-documents <n>', 'use only the first n documents (tests)', integerFlag('--max-documents', 2))
    .option('--tokenizer <tokenizer.json>', 'reuse this tokenizer instead of training one')
    .option('--checkpoint-every <n>', 'write <out>.checkpoint every n steps', integerFlag('--checkpoint-every', 1))
    .option('--resume', 'continue from <out>.checkpoint (same options)')
    .option('--init-from <model folder>', 'start from this model folder (same shape) instead of a fresh initialisation')
    .option('--stop-after-steps <n>', 'checkpoint and stop after n steps in all', integerFlag('--stop-after-steps', 1))
    .action(async (o) => {
      if (o.dModel % o.heads !== 0)
        throw new AtlasError('ARGUMENT_INVALID', `--d-model ${o.dModel} must be divisible by --heads ${o.heads}`);
      // Loaded here so other commands do not pay for TF.js start-up.
      const { trainLm } = await import('../../transformer/trainLm.js');
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
        tokenizer: o.tokenizer ? resolve(o.tokenizer) : undefined,
        checkpointEvery: o.checkpointEvery,
        resume: o.resume === true,
        stopAfterSteps: o.stopAfterSteps,
        initFrom: o.initFrom ? resolve(o.initFrom) : undefined,
      });
      if (!report) {
        console.log(`stopped early; checkpoint in ${resolve(o.out)}.checkpoint (continue with --resume)`);
        return;
      }
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
