// GPT-2 forward pass in TensorFlow.js with TransformerLens-style hooks. The same code runs training (parameters as
// tf.Variables) and the TF.js inference runner (tfjsHookRunner.ts); onnxForward.ts builds this computation as an
// ONNX graph for fast inference, and gpt2.test.ts holds the two equal, so what we train is what we read.
import type { Gpt2Config } from './config.js';
import { parseHook } from './hooks.js';
import { causalAttention } from './attentionHost.js';
import { embed, geluExact, geluNew, layerNorm, linear, matMul, transposeLast } from './ops.js';
import { tf } from './runtime.js';

/** One transformer block's parameters, named after the Hugging Face tensors they come from. */
export interface BlockParams {
  ln1G: tf.Tensor1D; // h.{l}.ln_1.weight [d]
  ln1B: tf.Tensor1D;
  attnW: tf.Tensor2D; // h.{l}.attn.c_attn.weight [d, 3d] (Conv1D: [in, out])
  attnB: tf.Tensor1D;
  projW: tf.Tensor2D; // h.{l}.attn.c_proj.weight [d, d]
  projB: tf.Tensor1D;
  ln2G: tf.Tensor1D;
  ln2B: tf.Tensor1D;
  fcW: tf.Tensor2D; // h.{l}.mlp.c_fc.weight [d, dMlp]
  fcB: tf.Tensor1D;
  outW: tf.Tensor2D; // h.{l}.mlp.c_proj.weight [dMlp, d]
  outB: tf.Tensor1D;
}

/** All parameters of a GPT-2 model. */
export interface Gpt2Params {
  wte: tf.Tensor2D; // [vocab, d]
  wpe: tf.Tensor2D; // [nPositions, d]
  blocks: BlockParams[];
  lnFG: tf.Tensor1D;
  lnFB: tf.Tensor1D;
  /** [vocab, d]; absent when tied to wte. */
  lmHead?: tf.Tensor2D;
  /**
   * A host copy of wte, present on inference-only parameters (loaded models): embeddings are looked up in
   * JS (~20x faster than wasm's Gather) and attention runs on the host. Training parameters leave it out.
   */
  wteHost?: Float32Array;
}

export interface ForwardOptions {
  /** Hook names to return, e.g. `blocks.0.mlp.hook_post`. */
  hooks?: readonly string[];
  /** Compute logits (skip it when only early hooks are wanted: the unembedding is the largest matmul). */
  logits?: boolean;
  /**
   * Interventions: the activation at a hook ([batch * seq, width]) is replaced by what the function returns,
   * and everything downstream sees the replacement (e.g. a dictionary's reconstruction, or zeros to ablate).
   * A hook that is both recorded and replaced records the original.
   */
  replace?: Readonly<Record<string, (x: tf.Tensor2D) => tf.Tensor2D>>;
}

/** Logits [batch, seq, vocab] (when asked) and each requested hook [batch, seq, width]. */
export interface ForwardResult {
  logits?: tf.Tensor3D;
  hooks: Record<string, tf.Tensor3D>;
}

/** Embedding lookup on the host (no gradient): rows of wte for ids [b, s] -> [b, s, d]. */
function embedHost(wte: Float32Array, d: number, ids: tf.Tensor2D): tf.Tensor3D {
  const idData = ids.dataSync();
  const out = new Float32Array(idData.length * d);
  for (let i = 0; i < idData.length; i++) out.set(wte.subarray(idData[i] * d, (idData[i] + 1) * d), i * d);
  return tf.tensor3d(out, [ids.shape[0], ids.shape[1], d]);
}

function activation(config: Gpt2Config, x: tf.Tensor): tf.Tensor {
  if (config.activation === 'gelu_new') return geluNew(x);
  if (config.activation === 'gelu') return geluExact(x);
  return tf.relu(x);
}

/**
 * Run the model on token ids [batch, seq] (int32, seq <= nPositions). Call inside tf.tidy; the returned
 * tensors escape it. Stops after the last requested hook when logits are not wanted.
 */
export function forward(
  params: Gpt2Params,
  config: Gpt2Config,
  ids: tf.Tensor2D,
  options: ForwardOptions = {},
): ForwardResult {
  const [batch, seq] = ids.shape;
  if (seq > config.nPositions)
    throw new RangeError(`forward: sequence length ${seq} exceeds the model's ${config.nPositions} positions`);
  const wanted = new Set(options.hooks ?? []);
  for (const h of Object.keys(options.replace ?? {})) parseHook(h, config);
  const lastLayer = options.logits
    ? config.nLayer - 1
    : Math.max(-1, ...[...wanted].map((h) => parseHook(h, config).layer));
  const hooks: Record<string, tf.Tensor3D> = {};
  const d = config.dModel;
  const nHead = config.nHead;
  const dHead = d / nHead;
  const n = batch * seq;
  const record = (name: string, x2d: tf.Tensor2D): tf.Tensor2D => {
    if (wanted.has(name)) hooks[name] = x2d.reshape([batch, seq, x2d.shape[1]]) as tf.Tensor3D;
    const swap = options.replace?.[name];
    return swap ? swap(x2d) : x2d;
  };
  const remaining = () => [...wanted].some((h) => !(h in hooks));

  // Causal mask: -1e9 above the diagonal, added to the attention scores [seq, seq].
  let maskTensor: tf.Tensor | null = null;
  const mask = () => (maskTensor ??= tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0)), -1e9));
  const tokens = params.wteHost ? embedHost(params.wteHost, d, ids) : embed(params.wte, ids); // [b, s, d]
  let x = tf.add(tokens, params.wpe.slice([0, 0], [seq, d])).reshape([n, d]) as tf.Tensor2D;
  for (let l = 0; l <= lastLayer; l++) {
    const p = params.blocks[l];
    const name = (k: string) => `blocks.${l}.${k}`;
    x = record(name('hook_resid_pre'), x);
    const h = layerNorm(x, p.ln1G, p.ln1B, config.layerNormEpsilon) as tf.Tensor2D;
    const qkv = linear(h, p.attnW, p.attnB); // [n, 3d]
    let merged: tf.Tensor2D;
    if (params.wteHost) {
      // Inference (loaded models carry wteHost): attention on the host, see attentionHost.ts.
      merged = tf.tensor2d(causalAttention(qkv.dataSync() as Float32Array, batch, seq, nHead, dHead), [n, d]);
    } else {
      const split = (i: number) =>
        tf.transpose(qkv.slice([0, i * d], [n, d]).reshape([batch, seq, nHead, dHead]), [0, 2, 1, 3]);
      const q = split(0);
      const k = split(1);
      const v = split(2);
      const scores = tf.add(tf.mul(matMul(q, transposeLast(k)), 1 / Math.sqrt(dHead)), mask()); // [b, h, s, s]
      const z = matMul(tf.softmax(scores), v); // [b, h, s, dHead]
      merged = tf.transpose(z, [0, 2, 1, 3]).reshape([n, d]) as tf.Tensor2D;
    }
    merged = record(name('attn.hook_z'), merged); // heads side by side, before W_O
    const attnOut = record(name('hook_attn_out'), linear(merged, p.projW, p.projB));
    x = record(name('hook_resid_mid'), tf.add(x, attnOut) as tf.Tensor2D);
    const h2 = record(
      name('ln2.hook_normalized'),
      layerNorm(x, p.ln2G, p.ln2B, config.layerNormEpsilon) as tf.Tensor2D,
    );
    const pre = record(name('mlp.hook_pre'), linear(h2, p.fcW, p.fcB));
    const post = record(name('mlp.hook_post'), activation(config, pre) as tf.Tensor2D);
    if (!options.logits && !remaining()) return { hooks };
    const mlpOut = record(name('hook_mlp_out'), linear(post, p.outW, p.outB));
    x = record(name('hook_resid_post'), tf.add(x, mlpOut) as tf.Tensor2D);
  }
  if (!options.logits) return { hooks };
  const final = layerNorm(x, params.lnFG, params.lnFB, config.layerNormEpsilon) as tf.Tensor2D;
  const unembed = transposeLast(params.lmHead ?? params.wte); // [d, vocab], transposed explicitly (fast on wasm)
  const logits = matMul(final, unembed).reshape([batch, seq, config.vocabSize]) as tf.Tensor3D;
  return { logits, hooks };
}

/** Mean next-token cross-entropy (nats) of logits [b, s, V] against targets [b, s] int32. */
export function crossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Scalar {
  const v = logits.shape[2];
  const flat = logits.reshape([-1, v]);
  const logp = tf.logSoftmax(flat);
  // oneHot then cast: oneHot(…, 'float32') gives wrong values on wasm.
  const onehot = tf.cast(tf.oneHot(targets.reshape([-1]) as tf.Tensor1D, v), 'float32');
  return tf.neg(tf.mean(tf.sum(tf.mul(logp, onehot), -1))) as tf.Scalar;
}

/** `forward` inside its own tf.tidy: intermediates are freed, the returned tensors are the caller's to dispose. */
export function forwardTidy(
  params: Gpt2Params,
  config: Gpt2Config,
  ids: tf.Tensor2D,
  options: ForwardOptions = {},
): ForwardResult {
  return tf.tidy(
    () => forward(params, config, ids, options) as unknown as tf.TensorContainer,
  ) as unknown as ForwardResult;
}

/** Dispose every tensor of a forward result. */
export function disposeResult(result: ForwardResult): void {
  tf.dispose([result.logits ?? [], ...Object.values(result.hooks)]);
}
