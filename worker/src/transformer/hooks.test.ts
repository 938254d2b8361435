// The LayerNorm-2 hook (a transcoder's input) on the built-in model: both runners return LayerNorm(resid_mid)·g + b,
// computed here from the recorded residual and the model's own ln_2 weights.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSafetensors } from '../formats/safetensors.js';
import { BUILTIN_MODEL_DIR } from './builtinModel.js';
import { hookRunner } from './hookRunner.js';
import { disposeModel, loadGpt2Model } from './modelFolder.js';
import { tfjsHookRunner } from './tfjsHookRunner.js';
import { initTfjs } from './runtime.js';

test('blocks.0.ln2.hook_normalized is LayerNorm(hook_resid_mid)·g + b on the TF.js and onnxruntime runners', async () => {
  await initTfjs();
  const model = await loadGpt2Model('builtin', 'this test');
  const { dModel: d, layerNormEpsilon: eps } = model.config;
  const weights = readSafetensors(join(BUILTIN_MODEL_DIR, 'model.safetensors')).tensors;
  const weight = (name: string) => (weights.get(name) ?? weights.get(`transformer.${name}`))!.data;
  const g = weight('h.0.ln_2.weight');
  const b = weight('h.0.ln_2.bias');
  const ids = Int32Array.from([0, 40, 7, 300, 12, 5, 99, 1]);
  const hooks = ['blocks.0.hook_resid_mid', 'blocks.0.ln2.hook_normalized'];
  const runners = [tfjsHookRunner(model), await hookRunner(model)];
  assert.notEqual(runners[0].description, runners[1].description, 'two different runners');
  for (const runner of runners) {
    const out = await runner.run(ids, 2, 4, { hooks });
    const mid = out.hooks['blocks.0.hook_resid_mid'];
    const normalized = out.hooks['blocks.0.ln2.hook_normalized'];
    assert.equal(normalized.length, 8 * d);
    for (let t = 0; t < 8; t++) {
      const row = mid.subarray(t * d, (t + 1) * d);
      let mean = 0;
      for (const v of row) mean += v / d;
      let variance = 0;
      for (const v of row) variance += (v - mean) ** 2 / d;
      for (let i = 0; i < d; i++) {
        const expected = ((row[i] - mean) / Math.sqrt(variance + eps)) * g[i] + b[i];
        assert.ok(
          Math.abs(normalized[t * d + i] - expected) < 1e-4 * (1 + Math.abs(expected)),
          `${runner.description}: row ${t}, column ${i}: ${normalized[t * d + i]} vs ${expected}`,
        );
      }
    }
  }
  disposeModel(model);
});
