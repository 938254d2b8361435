// Every family's agreement with an external reference implementation (nanoGPT, llama2.c's run.c, litgpt) on tiny
// random models: the committed outputs of the reference against our loader and hook runner, every hook and the
// logits within 1e-5 relative (max|ours − reference| / max|reference| per tensor). How the fixtures were made:
// worker/test-fixtures/reference/README.md.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disposeModel, loadModel } from './modelFolder.js';
import {
  maxRelativeDifference,
  measureAgreement,
  readReferenceManifest,
  referenceCases,
} from './referenceAgreement.js';

const root = new URL('../../test-fixtures/reference/', import.meta.url).pathname;
// The issue asks 1e-4; agreement is ~5e-7, and 1e-5 still catches the smallest modelling slip the fixtures were
// checked against (exact GELU for gelu_new: 2.1e-4 at mlp.hook_post, 7.7e-5 at the logits).
const TOLERANCE = 1e-5;

test('maxRelativeDifference is max|a − b| over max|b| of the whole tensor, NaN when ours has a NaN', () => {
  assert.equal(maxRelativeDifference(Float32Array.of(1, 2, 4.5), Float32Array.of(1, 2, -4)), 8.5 / 4);
  assert.equal(maxRelativeDifference(Float32Array.of(0.5, 8), Float32Array.of(0, 8)), 0.5 / 8);
  assert.ok(Number.isNaN(maxRelativeDifference(Float32Array.of(Number.NaN, 1), Float32Array.of(1, 1))));
  assert.throws(() => maxRelativeDifference(new Float32Array(2), new Float32Array(3)), /hook widths differ/);
});

test('the fixture has every family and layout the references were run on', () => {
  const runs = referenceCases(root).flatMap((c) => c.outputDirs.map((d) => readReferenceManifest(d)));
  const seen = new Set(runs.map((m) => `${m.modelType}/${m.reference}`));
  for (const want of ['gpt2/nanogpt', 'llama/llama2c', 'llama/litgpt', 'qwen2/litgpt', 'gpt_neox/litgpt'])
    assert.ok(seen.has(want), `no fixture case for ${want}`);
  assert.ok(runs.some((m) => m.shards > 1 && m.dtype === 'F16'));
  assert.ok(runs.some((m) => m.shards > 1 && m.dtype === 'BF16'));
});

for (const c of referenceCases(root)) {
  for (const outputDir of c.outputDirs) {
    const m = readReferenceManifest(outputDir);
    test(`${c.name} (${m.modelType}, ${m.dtype}, ${m.shards} file(s)) agrees with ${m.reference} on every hook and the logits`, async () => {
      const model = await loadModel(c.modelDir);
      try {
        const a = await measureAgreement(model, outputDir);
        assert.deepEqual(a.refusedHooks, [], 'every reference hook is one the runner exposes');
        assert.equal(a.hooks.length, m.hooks.length);
        const over = a.hooks.filter((h) => !(h.maxRelDiff <= TOLERANCE));
        assert.deepEqual(over, [], `hooks beyond ${TOLERANCE} relative`);
        assert.ok(a.logits <= TOLERANCE, `logits ${a.logits} relative`);
      } finally {
        disposeModel(model);
      }
    });
  }
}
