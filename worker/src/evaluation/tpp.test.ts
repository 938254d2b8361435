import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../engine/rng.js';
import { fromDense } from '../inference/csrCodes.js';
import { denseSamples, sparseSamples } from './sampleMatrix.js';
import { sparseProbing, testDocuments } from './sparseProbing.js';
import { targetedProbePerturbation, tppLatents } from './tpp.js';

test('ablating the latent that carries a class removes that class only', () => {
  // Three classes; a sample of class c is the unit vector e_c plus small noise; latent l reads dimension l
  // (decoder = identity), so ablating latent 0 zeroes dimension 0: class 0's probe falls to chance (0.5 on its
  // balanced test set, from 1), and the other probes, which never used dimension 0, keep their accuracy.
  const rng = new Rng(2);
  const docs = 60;
  const perDoc = 10;
  const n = docs * perDoc;
  const label = Int32Array.from({ length: n }, (_, s) => Math.floor(s / perDoc) % 3);
  const x = new Float32Array(n * 3);
  for (let s = 0; s < n; s++) {
    for (let p = 0; p < 3; p++) x[s * 3 + p] = 0.05 * Math.abs(rng.normal());
    x[s * 3 + label[s]] += 1;
  }
  const hook = denseSamples(x, n, 3);
  const latents = sparseSamples(fromDense(x, 3), 3);
  const task = {
    name: 'genre' as const,
    classes: ['a', 'b', 'c'],
    label,
    document: Int32Array.from({ length: n }, (_, s) => Math.floor(s / perDoc)),
  };
  const test = testDocuments(
    Array.from({ length: docs }, (_, d) => d),
    (d) => String(d % 3),
    0.25,
    1,
  );
  const options = { k: [1], seed: 1, l2: 1, maxPerSide: 200, minPositives: { train: 10, test: 10 } };
  const { classes } = sparseProbing(task, hook, latents, test, options);
  for (const c of classes) assert.equal(c.llm.testAccuracy, 1);
  const input = { classes, hook, latents, wDec: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), n: [1] };
  assert.deepEqual([...tppLatents(input, 0, 1)], [0]);
  const r = targetedProbePerturbation(input);
  for (const c of r.perClass) {
    assert.ok(Math.abs(c.intended.get(1)! - 0.5) < 0.1, `${c.className} intended ${c.intended.get(1)}`);
    assert.ok(Math.abs(c.unintended.get(1)!) < 0.05, `${c.className} unintended ${c.unintended.get(1)}`);
  }
  assert.ok(Math.abs(r.metric.get(1)! - 0.5) < 0.1);
});
