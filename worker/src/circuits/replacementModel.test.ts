// The replacement model against the model's own TF.js forward pass (transformer/gpt2.ts): with its error terms it
// must give the model's logits, frozen (the affine map attribution reads) and unfrozen.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { disposeResult, forwardTidy } from '../transformer/gpt2.js';
import { disposeModel, loadGpt2Model } from '../transformer/modelFolder.js';
import { randomModelShape, writeRandomModel } from '../transformer/randomModel.js';
import { tf } from '../transformer/runtime.js';
import { randomTranscoders } from './randomTranscoders.testing.js';
import {
  hostModel,
  hostTranscoders,
  replacementForward,
  runReplacementModel,
  runSources,
  unembedRow,
} from './replacementModel.js';

const scratch = mkdtempSync(join(tmpdir(), 'atlas-replacement-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const shape = { ...randomModelShape, layers: 3 };
const tokens = [5, 17, 250, 3, 99, 42, 42, 7, 180, 1, 64];

/** max |a − b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

test('the replacement model with error terms reproduces the model’s logits, frozen and unfrozen', async () => {
  const model = await loadGpt2Model(writeRandomModel(mkdtempSync(join(scratch, 'm-')), shape), 'this test');
  after(() => disposeModel(model));
  const host = hostModel(model);
  const { vocab, d } = shape;
  const n = tokens.length;
  const out = forwardTidy(model.params, model.config, tf.tensor2d(tokens, [1, n], 'int32'), { logits: true });
  const expected = out.logits!.dataSync();
  disposeResult(out);

  for (const skip of [false, true]) {
    const transcoders = hostTranscoders(
      randomTranscoders(model.config, { dSae: 48, k: 4, seed: 3, skip }),
      model.config,
    );
    const run = runReplacementModel(host, transcoders, tokens);
    const logitsOf = (final: Float64Array) => {
      const all = new Float64Array(n * vocab);
      for (let t = 0; t < n; t++) all.set(unembedRow(host, final.subarray(t * d, (t + 1) * d)), t * vocab);
      return all;
    };
    const frozen = replacementForward(host, transcoders, run, runSources(run));
    const unfrozen = replacementForward(host, transcoders, run, runSources(run), { frozen: false });
    for (const [what, final] of [
      ['run', run.final],
      ['frozen', frozen.final],
      ['unfrozen', unfrozen.final],
    ] as const) {
      const rel = relativeError(logitsOf(final), expected);
      assert.ok(rel <= 1e-4, `skip ${skip}, ${what}: logits differ from the model's by ${rel} (relative)`);
    }
    // The transcoders are random, so the errors carry most of each MLP: the check is not trivially met.
    const errorSize = Math.max(...run.errors.map((e) => Math.max(...e.map(Math.abs))));
    assert.ok(errorSize > 0.01, `error terms are ${errorSize}`);
    for (const f of run.features) {
      assert.ok(f.indices.length > 0, 'some features are active');
      for (let t = 0; t < n; t++) {
        const count = f.positionStart[t + 1] - f.positionStart[t];
        assert.ok(count <= 4, `at most k features per position, got ${count}`);
      }
      for (const a of f.activations) assert.ok(a > 0, 'active features are positive (TopK then ReLU)');
    }
    // Zeroing the errors changes the output: the transcoders alone are not the model.
    const noErrors = runSources(run);
    noErrors.errors.forEach((e) => e.fill(0));
    const without = replacementForward(host, transcoders, run, noErrors);
    assert.ok(relativeError(logitsOf(without.final), expected) > 1e-3);
  }
});

test('bad transcoder sets are refused with the field named', () => {
  const config = { ...randomModelShape, dModel: 16, nLayer: 2 };
  const set = randomTranscoders(config, { dSae: 8, k: 2, seed: 1 });
  const modelConfig = {
    family: 'gpt2' as const,
    vocabSize: 300,
    nPositions: 12,
    dModel: 16,
    nLayer: 3,
    nHead: 2,
    dMlp: 40,
    activation: 'gelu_new' as const,
    layerNormEpsilon: 1e-5,
    tieWordEmbeddings: true,
  };
  assert.throws(() => hostTranscoders(set, modelConfig), /2 layer\(s\) but the model has 3/);
  assert.throws(
    () =>
      hostTranscoders(
        { ...set, layers: [set.layers[0], { ...set.layers[1], bEnc: new Float32Array(3) }] },
        { ...modelConfig, nLayer: 2 },
      ),
    /layer 1: bEnc has 3 values, expected 8/,
  );
});
