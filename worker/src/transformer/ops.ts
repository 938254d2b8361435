// The few TF.js ops the transformer uses, with gradients written so they run fast and right on the
// wasm backend (see issue 5's notes): matMul gradients transpose explicitly (matMul with transposeA/B
// is 10-30x slower there), and the embedding gradient uses scatterND (gather's own gradient needs the
// UnsortedSegmentSum kernel that wasm lacks).
import { tf } from './runtime.js';

/** Swap the last two axes of a rank >= 2 tensor. */
export function transposeLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
  return tf.transpose(x, perm);
}

/** a [..., m, k] @ b [..., k, n] (same batch dims, or b rank 2) with a transpose-free gradient. */
export const matMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      const da = tf.matMul(dy as tf.Tensor2D, transposeLast(sb) as tf.Tensor2D);
      const db = tf.matMul(transposeLast(sa) as tf.Tensor2D, dy as tf.Tensor2D);
      return [da, db];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** x [n, dIn] @ w [dIn, dOut] + b [dOut]: a GPT-2 Conv1D (weights stored [in, out]). */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.add(matMul(x, w), b) as tf.Tensor2D;
}

/** Rows of `table` [vocab, d] for `ids` (int32, any shape): [...ids.shape, d]. */
export function embed(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const flat = ids.reshape([-1]) as tf.Tensor1D;
  const lookup = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    // Saved so the ids outlive the forward scope until the backward pass.
    save([flat]);
    return {
      value: tf.gather(t, flat),
      // Duplicate ids sum their gradients: scatterND accumulates repeated indices.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(saved[0].reshape([-1, 1]), dy, t.shape),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (t: tf.Tensor) => tf.Tensor;
  return lookup(table).reshape([...ids.shape, table.shape[1]]);
}

/** LayerNorm over the last axis (biased variance, as torch.nn.LayerNorm). */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), gain), bias);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GPT-2's tanh approximation of GELU (`gelu_new` in transformers), computed as x * sigmoid(2z) with
 * z = sqrt(2/pi) (x + 0.044715 x^3): equal to 0.5 x (1 + tanh z), and ~10x faster on wasm, whose
 * Sigmoid kernel is vectorised and whose Tanh is not.
 */
export function geluNew(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), 2 * SQRT_2_OVER_PI);
  return tf.mul(x, tf.sigmoid(inner));
}

/** Exact GELU, x * Phi(x), via erf. */
export function geluExact(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}
