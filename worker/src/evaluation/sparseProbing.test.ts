import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../engine/rng.js';
import { fromDense } from '../inference/csrCodes.js';
import { denseSamples, sparseSamples } from './sampleMatrix.js';
import { sparseProbing, testDocuments, type ProbingTask } from './sparseProbing.js';

const DOCS = 40;
const PER_DOC = 20;
const WIDTH = 30;
const PLANTED = 7;

/** Samples of two classes; latent 7 is 1 exactly on class 'a', the other latents fire at random. */
function planted(shuffleLabels: boolean) {
  const rng = new Rng(11);
  const n = DOCS * PER_DOC;
  const truth = Int32Array.from({ length: n }, () => rng.int(2));
  const dense = new Float32Array(n * WIDTH);
  for (let s = 0; s < n; s++) {
    for (let l = 0; l < WIDTH; l++) if (l !== PLANTED && rng.next() < 0.2) dense[s * WIDTH + l] = rng.next() * 3;
    if (truth[s] === 0) dense[s * WIDTH + PLANTED] = 1;
  }
  const label = shuffleLabels ? rng.shuffle(Int32Array.from(truth)) : truth;
  const task: ProbingTask = {
    name: 'pos',
    classes: ['a', 'b'],
    label,
    document: Int32Array.from({ length: n }, (_, s) => Math.floor(s / PER_DOC)),
  };
  const hook = denseSamples(rng.normals(n * 4), n, 4);
  const latents = sparseSamples(fromDense(dense, WIDTH), WIDTH);
  const docs = Array.from({ length: DOCS }, (_, d) => d);
  const test = testDocuments(docs, () => 'all', 0.25, 3);
  const options = { k: [1, 2, 5], seed: 1, l2: 1, maxPerSide: 1000, minPositives: { train: 10, test: 10 } };
  return { result: sparseProbing(task, hook, latents, test, options), test };
}

test('a latent that encodes the label exactly gives accuracy 1 at k = 1, on that latent', () => {
  const { result, test } = planted(false);
  assert.equal(test.size, 10);
  assert.deepEqual(
    result.classes.map((c) => c.className),
    ['a', 'b'],
  );
  for (const c of result.classes) {
    const top1 = c.saeTopK.get(1)!;
    assert.deepEqual([...top1.columns!], [PLANTED]);
    assert.equal(top1.testAccuracy, 1);
    // The hook here is noise: its probes are near chance.
    assert.ok(Math.abs(c.llm.testAccuracy - 0.5) < 0.15, `llm ${c.llm.testAccuracy}`);
  }
});

test('with the labels shuffled, accuracy at k = 1 is near 0.5', () => {
  const { result } = planted(true);
  for (const c of result.classes) {
    const acc = c.saeTopK.get(1)!.testAccuracy;
    assert.ok(Math.abs(acc - 0.5) < 0.12, `class ${c.className}: ${acc}`);
  }
});
