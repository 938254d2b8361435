// `npm run bench:sources`: machine, extraction throughput of the built-in tiny LM on Brown (model only,
// and end to end with shards on disk), and LM training time (recorded by train-lm, plus a live
// measurement of training throughput extrapolated to the recorded run).
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { brownCorpus } from '../src/sources/brown.js';
import { extractActivations } from '../src/sources/extractActivations.js';
import { hookRunner } from '../src/transformer/hookRunner.js';
import type { HookRunner } from '../src/transformer/hookRunnerTypes.js';
import { tfjsHookRunner } from '../src/transformer/tfjsHookRunner.js';
import { BUILTIN_MODEL_DIR, loadModel } from '../src/transformer/modelFolder.js';
import { tf } from '../src/transformer/runtime.js';
import { trainLm } from '../src/transformer/trainLm.js';

const EXTRACT_TOKENS = Number(process.env.BENCH_EXTRACT_TOKENS ?? 200_000);
const HOOK = 'blocks.0.mlp.hook_post';

console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} free), Node ${process.version}`,
);
if (!existsSync(join(BUILTIN_MODEL_DIR, 'model.safetensors'))) {
  console.log(`no built-in model at ${BUILTIN_MODEL_DIR}; run npm run worker -- train-lm first`);
  process.exit(1);
}
const model = await loadModel('builtin');
console.log(
  `model: ${model.name}, d_model ${model.config.dModel}, d_mlp ${model.config.dMlp}, vocab ${model.config.vocabSize}, context ${model.config.nPositions}, TF.js backend ${tf.getBackend()}`,
);

// 1. Forward pass alone, batches of 64 windows, tokens from Brown: the runner extraction and analysis use
// (onnxruntime when it loads) beside the TF.js one, in the same run.
const doc = (await brownCorpus({ limit: 1 }).documents()[Symbol.asyncIterator]().next()).value!;
const ids = model.tokenizer.encode(doc.text).ids;
const batch = 64;
const ctx = model.config.nPositions;
const window = Int32Array.from({ length: batch * ctx }, (_, i) => ids[i % ids.length]);
async function tokensPerSecond(runner: HookRunner, logits: boolean, ms: number): Promise<number> {
  await runner.run(window, batch, ctx, { hooks: [HOOK], logits }); // warm-up: builds the session
  let tokens = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await runner.run(window, batch, ctx, { hooks: [HOOK], logits });
    tokens += batch * ctx;
  }
  return Math.round(tokens / ((performance.now() - start) / 1000));
}
for (const runner of [await hookRunner(model), tfjsHookRunner(model)])
  console.log(
    `forward on ${runner.description} (batch ${batch}x${ctx}): to ${HOOK} ${await tokensPerSecond(runner, false, 4000)} tokens/s, with logits ${await tokensPerSecond(runner, true, 3000)} tokens/s`,
  );

// 2. Extraction end to end: tokenize, forward, write float32 shards + positions + corpus cache.
const out = mkdtempSync(join(tmpdir(), 'bench-extract-'));
const exStart = performance.now();
const manifest = await extractActivations({
  model,
  corpus: brownCorpus(),
  hook: HOOK,
  out,
  prependBos: true,
  maxTokens: EXTRACT_TOKENS,
  shardRows: 65536,
  batchSize: 64,
  dtype: 'float32',
});
const exSecs = (performance.now() - exStart) / 1000;
console.log(
  `extract ${manifest.totalRows} Brown tokens at ${HOOK}: ${exSecs.toFixed(1)} s, ${Math.round(manifest.totalRows / exSecs)} tokens/s end to end`,
);
rmSync(out, { recursive: true, force: true });

// 3. LM training: the recorded run, and throughput measured now on a short run.
const trainingPath = join(BUILTIN_MODEL_DIR, 'training.json');
if (existsSync(trainingPath)) {
  const { report, options } = JSON.parse(readFileSync(trainingPath, 'utf8'));
  console.log(
    `recorded train-lm: ${options.epochs} epochs, ${report.steps} steps, ${(report.seconds / 60).toFixed(1)} min, ${Math.round(report.tokensPerSecond)} tokens/s; ` +
      `validation ${report.validationLoss.toFixed(3)} vs add-k bigram ${report.bigram.validationLoss.toFixed(3)} nats`,
  );
}
const lmOut = mkdtempSync(join(tmpdir(), 'bench-lm-'));
const live = (await trainLm(brownCorpus({ limit: 30 }), {
  out: lmOut,
  vocabSize: model.config.vocabSize,
  dModel: model.config.dModel,
  dMlp: model.config.dMlp,
  nHead: model.config.nHead,
  nLayer: model.config.nLayer,
  contextSize: ctx,
  tieEmbeddings: model.config.tieWordEmbeddings,
  batchSize: 32,
  epochs: 1,
  lr: 3e-3,
  warmupSteps: 10,
  seed: 0,
  validationEvery: 10,
  log: () => {},
}))!;
rmSync(lmOut, { recursive: true, force: true });
console.log(
  `train-lm throughput now: ${Math.round(live.tokensPerSecond)} tokens/s on ${live.steps} steps of 32x${ctx} ` +
    `(a 3-epoch run over Brown's ~1.47M training tokens would take ~${((3 * 1.47e6) / live.tokensPerSecond / 60).toFixed(0)} min)`,
);
