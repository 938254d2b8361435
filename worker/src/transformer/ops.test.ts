// Each op the training relies on, with its gradient, against plain arithmetic on a small batch
// (the wasm backend has silently wrong or missing kernels for some of TF.js's defaults).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossEntropy } from './gpt2.js';
import { embed, geluNew, layerNorm, matMul } from './ops.js';
import { initTfjs, tf } from './runtime.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-4) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

/** Central finite difference of a scalar function of one tensor, per element. */
function numericGrad(f: (x: tf.Tensor) => tf.Scalar, x: number[], shape: number[]): number[] {
  const h = 1e-2;
  return x.map((_, i) => {
    const up = [...x];
    const dn = [...x];
    up[i] += h;
    dn[i] -= h;
    const fu = tf.tidy(() => f(tf.tensor(up, shape)).dataSync()[0]);
    const fd = tf.tidy(() => f(tf.tensor(dn, shape)).dataSync()[0]);
    return (fu - fd) / (2 * h);
  });
}

test('runs on the wasm backend', async () => {
  await initTfjs();
  assert.equal(tf.getBackend(), 'wasm');
});

test('matMul and its explicit-transpose gradient match hand computation, 2-D and batched', async () => {
  await initTfjs();
  const a = [1, 2, 3, 4, 5, 6]; // [2, 3]
  const b = [1, -1, 0, 2, 3, 1]; // [3, 2]
  const [va, vb] = tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMul(x, y), tf.tensor2d([[1, 2], [3, 4]]))))([
    tf.tensor2d(a, [2, 3]),
    tf.tensor2d(b, [3, 2]),
  ]).map((t) => t.dataSync()));
  // d/dA sum(G ∘ AB) = G Bᵀ, d/dB = Aᵀ G with G = [[1,2],[3,4]].
  close(va, [1 * 1 + 2 * -1, 1 * 0 + 2 * 2, 1 * 3 + 2 * 1, 3 - 4, 8, 9 + 4], 'dA');
  close(vb, [1 + 12, 2 + 16, 2 + 15, 4 + 20, 3 + 18, 6 + 24], 'dB');
  const batched = tf.tidy(() => {
    const x = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 1);
    const y = tf.randomNormal([2, 3, 5, 2], 0, 1, 'float32', 2);
    const ours = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(matMul(p, q))))([x, y]);
    const stock = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p as tf.Tensor4D, q as tf.Tensor4D))))([x, y]);
    return [ours[0].dataSync(), stock[0].dataSync(), ours[1].dataSync(), stock[1].dataSync()];
  });
  close(batched[0], batched[1], 'batched dA', 1e-3);
  close(batched[2], batched[3], 'batched dB', 1e-3);
});

test('embedding gradient sums the rows of repeated ids (scatterND, no UnsortedSegmentSum)', async () => {
  await initTfjs();
  const g = tf.tidy(() => {
    const ids = tf.tensor2d([[0, 2], [2, 2]], [2, 2], 'int32');
    const table = tf.tensor2d([1, 1, 2, 2, 3, 3], [3, 2]);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embed(t as tf.Tensor2D, ids), tf.tensor3d([[[1, 0], [0, 1]], [[1, 1], [2, 0]]]))))(table).dataSync();
  });
  close(g, [1, 0, 0, 0, 3, 2], 'd table');
});

test('layerNorm, geluNew and cross-entropy gradients match finite differences', async () => {
  await initTfjs();
  const x = [0.3, -1.2, 2.0, 0.5, -0.7, 1.1];
  const weights = tf.tensor2d([[0.5, -1, 2], [1, 0.3, -0.2]]);
  const fLn = (t: tf.Tensor) => tf.sum(tf.mul(layerNorm(t, tf.tensor1d([1, 2, 0.5]), tf.tensor1d([0, 1, 0]), 1e-5), weights)) as tf.Scalar;
  const fGelu = (t: tf.Tensor) => tf.sum(tf.mul(geluNew(t), weights)) as tf.Scalar;
  const targets = tf.tensor2d([[2, 0]], [1, 2], 'int32');
  const fCe = (t: tf.Tensor) => crossEntropy(t.reshape([1, 2, 3]) as tf.Tensor3D, targets);
  for (const [name, f] of [['layerNorm', fLn], ['geluNew', fGelu], ['crossEntropy', fCe]] as const) {
    const analytic = tf.tidy(() => tf.grad(f)(tf.tensor2d(x, [2, 3])).dataSync());
    close(analytic, numericGrad(f, x, [2, 3]), name, 2e-2);
  }
  // Cross-entropy value by hand: -log softmax(row)[target], averaged.
  const ce = tf.tidy(() => fCe(tf.tensor2d(x, [2, 3])).dataSync()[0]);
  const lse = (r: number[]) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
  close([ce], [(lse(x.slice(0, 3)) - x[2] + lse(x.slice(3)) - x[3]) / 2], 'cross-entropy value');
});
