// Train a small GPT-2-layout LM on a corpus (the *Towards Monosemanticity* set-up at toy scale):
// BPE on the training documents, next-token cross-entropy, Adam with warmup and cosine decay, a
// checkpoint in the Hugging Face layout after every epoch. Deterministic for a given seed, and
// resumable: a run that is stopped (or hits `stopAfterSteps`) continues from its last checkpoint with
// the same weights, optimizer moments and batch order as one that was never stopped.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasError } from '../errors.js';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../formats/safetensors.js';
import { loadTokenizer, type BpeTokenizer } from '../tokenizer/bpe.js';
import { trainBpe } from '../tokenizer/trainBpe.js';
import { countBigrams, tuneAddK } from './bigram.js';
import type { Gpt2Config } from './config.js';
import { crossEntropy, forward, type BlockParams, type Gpt2Params } from './gpt2.js';
import { disposeModel, loadGpt2Model, saveModel } from './modelFolder.js';
import { initTfjs, tf } from './runtime.js';

export interface TrainLmOptions {
  out: string;
  vocabSize: number;
  dModel: number;
  dMlp: number;
  nHead: number;
  nLayer: number;
  contextSize: number;
  /** Share wte with the unembedding (GPT-2 does); untied lets the direct path learn asymmetric bigrams. */
  tieEmbeddings: boolean;
  batchSize: number;
  epochs: number;
  /** Peak learning rate after warmup. */
  lr: number;
  warmupSteps: number;
  seed: number;
  /** Every n-th document (index % n === n - 1) is held out for validation. */
  validationEvery: number;
  /** Stop after this many documents (tests); undefined = all. */
  maxDocuments?: number;
  /** Reuse this tokenizer.json instead of training one (a second model on the same vocabulary). */
  tokenizer?: string;
  /** Write a resumable checkpoint (weights, Adam moments, step) every n steps and at every epoch's end. */
  checkpointEvery?: number;
  /** Continue from `<out>.checkpoint` when it exists (same options required). */
  resume?: boolean;
  /** Stop (after checkpointing) once this many steps are done in total; resume later. */
  stopAfterSteps?: number;
  /** Start from this model folder's weights (same shape) instead of a fresh initialisation: a further run. */
  initFrom?: string;
  log?: (line: string) => void;
}

/** Losses in nats per token; the bigram is fitted on the training split and k tuned on validation. */
export interface TrainLmReport {
  trainTokens: number;
  validationTokens: number;
  steps: number;
  seconds: number;
  tokensPerSecond: number;
  trainLoss: number;
  validationLoss: number;
  bigram: { k: number; validationLoss: number; addOneValidationLoss: number };
  unigramValidationLoss: number;
  epochs: { epoch: number; trainLoss: number; validationLoss: number; seconds: number }[];
}

/** mulberry32: a small seeded PRNG so initialisation and batches are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalInit(rand: () => number, shape: number[], std: number): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    data[i] = r * Math.cos(2 * Math.PI * v) * std;
    if (i + 1 < n) data[i + 1] = r * Math.sin(2 * Math.PI * v) * std;
  }
  return tf.variable(tf.tensor(data, shape));
}

/** GPT-2's initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2 n_layer), LayerNorm (1, 0). */
export function initParams(config: Gpt2Config, seed: number): Gpt2Params {
  const rand = seededRandom(seed);
  const d = config.dModel;
  const residStd = 0.02 / Math.sqrt(2 * config.nLayer);
  const ones = (n: number) => tf.variable(tf.ones([n])) as tf.Variable<tf.Rank.R1>;
  const zeros = (n: number) => tf.variable(tf.zeros([n])) as tf.Variable<tf.Rank.R1>;
  const blocks: BlockParams[] = [];
  for (let l = 0; l < config.nLayer; l++)
    blocks.push({
      ln1G: ones(d),
      ln1B: zeros(d),
      attnW: normalInit(rand, [d, 3 * d], 0.02) as tf.Variable<tf.Rank.R2>,
      attnB: zeros(3 * d),
      projW: normalInit(rand, [d, d], residStd) as tf.Variable<tf.Rank.R2>,
      projB: zeros(d),
      ln2G: ones(d),
      ln2B: zeros(d),
      fcW: normalInit(rand, [d, config.dMlp], 0.02) as tf.Variable<tf.Rank.R2>,
      fcB: zeros(config.dMlp),
      outW: normalInit(rand, [config.dMlp, d], residStd) as tf.Variable<tf.Rank.R2>,
      outB: zeros(d),
    });
  const params: Gpt2Params = {
    wte: normalInit(rand, [config.vocabSize, d], 0.02) as tf.Variable<tf.Rank.R2>,
    wpe: normalInit(rand, [config.nPositions, d], 0.01) as tf.Variable<tf.Rank.R2>,
    blocks,
    lnFG: ones(d),
    lnFB: zeros(d),
  };
  if (!config.tieWordEmbeddings)
    params.lmHead = normalInit(rand, [config.vocabSize, d], 0.02) as tf.Variable<tf.Rank.R2>;
  return params;
}

function paramList(p: Gpt2Params): tf.Variable[] {
  return [
    p.wte,
    p.wpe,
    p.lnFG,
    p.lnFB,
    ...(p.lmHead ? [p.lmHead] : []),
    ...p.blocks.flatMap((b) => Object.values(b)),
  ] as tf.Variable[];
}

/** Concatenate documents' tokens with <|endoftext|> between them (GPT-2's training convention). */
function tokenStream(tokenizer: BpeTokenizer, texts: string[]): Int32Array {
  const eos = tokenizer.eosId!;
  const parts = texts.map((t) => tokenizer.encode(t).ids);
  const out = new Int32Array(parts.reduce((a, p) => a + p.length + 1, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
    out[o++] = eos;
  }
  return out;
}

/** Mean loss over non-overlapping windows of `stream` (forward only). */
function evaluate(params: Gpt2Params, config: Gpt2Config, stream: Int32Array, batchSize: number): number {
  const ctx = config.nPositions;
  const nWindows = Math.floor((stream.length - 1) / ctx);
  let total = 0;
  for (let w0 = 0; w0 < nWindows; w0 += batchSize) {
    const nb = Math.min(batchSize, nWindows - w0);
    const ids = new Int32Array(nb * ctx);
    const targets = new Int32Array(nb * ctx);
    for (let b = 0; b < nb; b++) {
      ids.set(stream.subarray((w0 + b) * ctx, (w0 + b + 1) * ctx), b * ctx);
      targets.set(stream.subarray((w0 + b) * ctx + 1, (w0 + b + 1) * ctx + 1), b * ctx);
    }
    const loss = tf.tidy(() => {
      const { logits } = forward(params, config, tf.tensor2d(ids, [nb, ctx], 'int32'), { logits: true });
      return crossEntropy(logits!, tf.tensor2d(targets, [nb, ctx], 'int32')).dataSync()[0];
    });
    total += loss * nb;
  }
  return total / nWindows;
}

/** The (previous, next) pairs `evaluate` scores, for the bigram baseline on identical targets. */
function windowPairs(stream: Int32Array, ctx: number): { prev: Int32Array; next: Int32Array } {
  const n = Math.floor((stream.length - 1) / ctx) * ctx;
  return { prev: stream.subarray(0, n), next: stream.subarray(1, n + 1) };
}

/** What LM training reads of a corpus (any `Corpus` of sources/ is one): its documents' text, in a fixed order. */
export interface TrainingTexts {
  documents(): AsyncIterable<{ text: string }>;
}

/** Overwrite freshly initialised parameters with a saved model's (a continued run); the shapes must agree. */
async function loadWeightsInto(params: Gpt2Params, folder: string, config: Gpt2Config): Promise<void> {
  const saved = await loadGpt2Model(folder, '--init-from (training continues GPT-2 models)');
  try {
    const shape = (c: Gpt2Config) => [c.vocabSize, c.nPositions, c.dModel, c.nLayer, c.nHead, c.dMlp].join('x');
    if (shape(saved.config) !== shape(config) || !saved.params.lmHead !== !params.lmHead)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `--init-from ${folder}: its shape ${shape(saved.config)} differs from this run's ${shape(config)}; pass the same --layers/--d-model/--d-mlp/--heads/--context/--vocab`,
      );
    const pairs = (p: Gpt2Params) => [
      p.wte,
      p.wpe,
      p.lnFG,
      p.lnFB,
      ...(p.lmHead ? [p.lmHead] : []),
      ...p.blocks.flatMap((b) => (Object.keys(b) as (keyof BlockParams)[]).sort().map((k) => b[k])),
    ];
    const from = pairs(saved.params);
    pairs(params).forEach((v, i) => (v as tf.Variable).assign(from[i]));
  } finally {
    disposeModel(saved);
  }
}

/** What `<out>.checkpoint/state.json` holds beside the weights and Adam moments. */
interface CheckpointState {
  options: object;
  step: number;
  epochLoss: number;
  epochSeconds: number;
  epochs: TrainLmReport['epochs'];
  seconds: number;
}

/**
 * Train tokenizer and LM on a corpus and write the model folder; returns the figures it printed, or
 * null when it stopped early at `stopAfterSteps` (its checkpoint resumes it).
 */
export async function trainLm(corpus: TrainingTexts, o: TrainLmOptions): Promise<TrainLmReport | null> {
  const log = o.log ?? ((l: string) => console.error(l));
  await initTfjs();
  const trainTexts: string[] = [];
  const valTexts: string[] = [];
  let i = 0;
  for await (const doc of corpus.documents()) {
    if (o.maxDocuments !== undefined && i >= o.maxDocuments) break;
    (i % o.validationEvery === o.validationEvery - 1 ? valTexts : trainTexts).push(doc.text);
    i++;
  }
  const t0 = Date.now();
  const checkpointDir = `${o.out}.checkpoint`;
  const resuming = o.resume === true && existsSync(join(checkpointDir, 'state.json'));
  const tokenizerPath = resuming ? join(checkpointDir, 'tokenizer.json') : o.tokenizer;
  const tokenizer = tokenizerPath
    ? loadTokenizer(tokenizerPath).tokenizer
    : trainBpe(trainTexts, { vocabSize: o.vocabSize });
  log(
    tokenizerPath
      ? `tokenizer: ${tokenizer.vocabSize} tokens from ${tokenizerPath}`
      : `tokenizer: ${tokenizer.vocabSize} tokens trained on ${trainTexts.length} documents in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  const train = tokenStream(tokenizer, trainTexts);
  const val = tokenStream(tokenizer, valTexts);
  log(
    `split: ${trainTexts.length} train documents (${train.length} tokens), ${valTexts.length} validation documents (${val.length} tokens)`,
  );

  const config: Gpt2Config = {
    family: 'gpt2',
    vocabSize: tokenizer.vocabSize,
    nPositions: o.contextSize,
    dModel: o.dModel,
    nLayer: o.nLayer,
    nHead: o.nHead,
    dMlp: o.dMlp,
    activation: 'gelu_new',
    layerNormEpsilon: 1e-5,
    tieWordEmbeddings: o.tieEmbeddings,
    bosTokenId: tokenizer.eosId,
  };
  // Baselines on exactly the validation targets the LM is scored on.
  const pairs = windowPairs(val, o.contextSize);
  const bigram = tuneAddK(countBigrams(train, config.vocabSize), pairs.prev, pairs.next);
  const uni = new Float64Array(config.vocabSize).fill(0.5);
  for (const t of train) uni[t]++;
  const uniTotal = uni.reduce((a, b) => a + b, 0);
  let unigramValidationLoss = 0;
  for (const t of pairs.next) unigramValidationLoss -= Math.log(uni[t] / uniTotal);
  unigramValidationLoss /= pairs.next.length;
  log(
    `baselines on validation: unigram ${unigramValidationLoss.toFixed(3)}, add-one bigram ${bigram.addOneLoss.toFixed(3)}, ` +
      `add-k bigram ${bigram.loss.toFixed(3)} nats (k=${bigram.k.toPrecision(2)} tuned on validation)`,
  );

  const params = initParams(config, o.seed);
  if (o.initFrom) await loadWeightsInto(params, o.initFrom, config);
  const vars = paramList(params);
  const nParams = vars.reduce((a, v) => a + v.size, 0);
  const m = vars.map((v) => tf.variable(tf.zerosLike(v)));
  const s = vars.map((v) => tf.variable(tf.zerosLike(v)));
  const [beta1, beta2, eps, clip] = [0.9, 0.95, 1e-8, 1.0];
  const rand = seededRandom(o.seed + 1);
  const ctx = o.contextSize;
  const stepsPerEpoch = Math.max(1, Math.floor(train.length / (ctx * o.batchSize)));
  const totalSteps = stepsPerEpoch * o.epochs;
  log(`model: ${nParams} parameters; ${o.epochs} epochs x ${stepsPerEpoch} steps of ${o.batchSize}x${ctx} tokens`);

  const ids = new Int32Array(o.batchSize * ctx);
  const targets = new Int32Array(o.batchSize * ctx);
  let epochs: TrainLmReport['epochs'] = [];
  let step = 0;
  let epochLoss = 0;
  let epochSeconds = 0;
  let secondsBefore = 0;
  let lastTrainLoss = NaN;
  let validationLoss = NaN;
  const { log: _l, resume: _r, stopAfterSteps: _s, checkpointEvery: _c, ...runOptions } = o;
  void [_l, _r, _s, _c];
  if (resuming) {
    const state = JSON.parse(readFileSync(join(checkpointDir, 'state.json'), 'utf8')) as CheckpointState;
    if (JSON.stringify(state.options) !== JSON.stringify(runOptions))
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${checkpointDir}: written by a run with other options (${JSON.stringify(state.options)}); resume with the same options or delete the folder`,
      );
    const { tensors } = readSafetensors(join(checkpointDir, 'state.safetensors'));
    const restore = (v: tf.Variable, name: string) =>
      v.assign(tf.tensor(tensors.get(name)!.data as Float32Array, v.shape));
    vars.forEach((v, j) => {
      restore(v, `p${j}`);
      restore(m[j], `m${j}`);
      restore(s[j], `s${j}`);
    });
    ({ step, epochLoss, epochSeconds, epochs, seconds: secondsBefore } = state);
    if (epochs.length > 0) ({ trainLoss: lastTrainLoss, validationLoss } = epochs[epochs.length - 1]);
    // The batch sampler is a pure function of the seed: replay its draws to the resumed step.
    for (let i = 0; i < step * o.batchSize; i++) rand();
    log(`resumed from ${checkpointDir} at step ${step}/${totalSteps}`);
  }
  const start = Date.now() - secondsBefore * 1000;
  let epochStart = Date.now() - epochSeconds * 1000;
  const saveCheckpoint = async () => {
    mkdirSync(checkpointDir, { recursive: true });
    const tensors: Record<string, TensorToWrite> = {};
    for (let j = 0; j < vars.length; j++)
      for (const [prefix, v] of [
        ['p', vars[j]],
        ['m', m[j]],
        ['s', s[j]],
      ] as const)
        tensors[`${prefix}${j}`] = { data: (await v.data()) as Float32Array, shape: v.shape };
    writeSafetensors(join(checkpointDir, 'state.safetensors'), tensors);
    writeFileSync(join(checkpointDir, 'tokenizer.json'), JSON.stringify(tokenizer.toJSON()));
    const state: CheckpointState = {
      options: runOptions,
      step,
      epochLoss,
      epochSeconds: (Date.now() - epochStart) / 1000,
      epochs,
      seconds: (Date.now() - start) / 1000,
    };
    writeFileSync(join(checkpointDir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  };
  while (step < totalSteps) {
    const epoch = Math.floor(step / stepsPerEpoch) + 1;
    const k = step % stepsPerEpoch;
    for (let b = 0; b < o.batchSize; b++) {
      const at = Math.floor(rand() * (train.length - ctx - 1));
      ids.set(train.subarray(at, at + ctx), b * ctx);
      targets.set(train.subarray(at + 1, at + ctx + 1), b * ctx);
    }
    const lr =
      step < o.warmupSteps
        ? (o.lr * (step + 1)) / o.warmupSteps
        : o.lr *
          (0.1 + 0.45 * (1 + Math.cos((Math.PI * (step - o.warmupSteps)) / Math.max(1, totalSteps - o.warmupSteps))));
    const loss = tf.tidy(() => {
      const idT = tf.tensor2d(ids, [o.batchSize, ctx], 'int32');
      const tgT = tf.tensor2d(targets, [o.batchSize, ctx], 'int32');
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(forward(params, config, idT, { logits: true }).logits!, tgT),
        vars,
      );
      const g = vars.map((v) => grads[v.name]);
      const norm = Math.sqrt(tf.addN(g.map((x) => tf.sum(tf.square(x)))).dataSync()[0]);
      const scale = norm > clip ? clip / norm : 1;
      const c1 = 1 - beta1 ** (step + 1);
      const c2 = 1 - beta2 ** (step + 1);
      vars.forEach((v, j) => {
        const gj = tf.mul(g[j], scale);
        m[j].assign(tf.add(tf.mul(m[j], beta1), tf.mul(gj, 1 - beta1)));
        s[j].assign(tf.add(tf.mul(s[j], beta2), tf.mul(tf.square(gj), 1 - beta2)));
        v.assign(tf.sub(v, tf.mul(tf.div(tf.div(m[j], c1), tf.add(tf.sqrt(tf.div(s[j], c2)), eps)), lr)));
      });
      return value.dataSync()[0];
    });
    epochLoss += loss;
    step++;
    if (k % 50 === 0 || k === stepsPerEpoch - 1) {
      const secs = (Date.now() - start) / 1000;
      const tps = (step * o.batchSize * ctx) / Math.max(secs, 1e-3);
      log(
        `epoch ${epoch} step ${k + 1}/${stepsPerEpoch} loss ${loss.toFixed(3)} lr ${lr.toExponential(2)} ` +
          `${Math.round(tps)} tokens/s, ETA ${Math.round(((totalSteps - step) * o.batchSize * ctx) / tps)} s`,
      );
    }
    if (k === stepsPerEpoch - 1) {
      lastTrainLoss = epochLoss / stepsPerEpoch;
      validationLoss = evaluate(params, config, val, o.batchSize);
      epochs.push({ epoch, trainLoss: lastTrainLoss, validationLoss, seconds: (Date.now() - epochStart) / 1000 });
      log(
        `epoch ${epoch}: train ${lastTrainLoss.toFixed(3)}, validation ${validationLoss.toFixed(3)} nats (add-k bigram ${bigram.loss.toFixed(3)})`,
      );
      await saveModel(o.out, config, params, tokenizer.toJSON());
      epochLoss = 0;
      epochStart = Date.now();
    }
    const stopping = o.stopAfterSteps !== undefined && step >= o.stopAfterSteps && step < totalSteps;
    if (k === stepsPerEpoch - 1 || stopping || (o.checkpointEvery && step % o.checkpointEvery === 0))
      await saveCheckpoint();
    if (stopping) {
      log(`stopped at step ${step}/${totalSteps}; continue with --resume`);
      tf.dispose([...vars, ...m, ...s]);
      return null;
    }
  }
  const seconds = (Date.now() - start) / 1000;
  const report: TrainLmReport = {
    trainTokens: train.length,
    validationTokens: pairs.next.length,
    steps: step,
    seconds,
    tokensPerSecond: (step * o.batchSize * ctx) / seconds,
    trainLoss: lastTrainLoss,
    validationLoss,
    bigram: { k: bigram.k, validationLoss: bigram.loss, addOneValidationLoss: bigram.addOneLoss },
    unigramValidationLoss,
    epochs,
  };
  writeFileSync(join(o.out, 'training.json'), JSON.stringify({ options: runOptions, report }, null, 2) + '\n');
  tf.dispose([...vars, ...m, ...s]);
  return report;
}
