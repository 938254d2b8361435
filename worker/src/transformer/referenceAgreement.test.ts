// Every family's agreement with an external reference implementation (nanoGPT, llama2.c's run.c, litgpt) on tiny
// random models: the committed outputs of the reference against our loader and hook runner, every hook and the
// logits within 1e-4 relative (max|ours − reference| / max|reference| per tensor). How the fixtures were made:
// worker/test-fixtures/reference/README.md.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AtlasError } from '../errors.js';
import { disposeModel, loadModel, type LoadedModel } from './modelFolder.js';
import {
  maxRelativeDifference,
  measureAgreement,
  readReferenceManifest,
  referenceCases,
  type ReferenceManifest,
} from './referenceAgreement.js';

const root = new URL('../../test-fixtures/reference/', import.meta.url).pathname;
const TOLERANCE = 1e-4;

// What this branch's loader does not read yet; issue 19's model-families work adds them. A case is skipped only
// while the loader refuses it with exactly that complaint (any other failure fails); remove at integration.
const PENDING_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'gpt_neox'];
const PENDING_HOOK_KINDS = ['attn.hook_z'];

function pendingLoad(err: unknown, m: ReferenceManifest): string | undefined {
  if (!(err instanceof AtlasError)) return undefined;
  // Today's GPT-2 loader refuses other families' config.json as "not a GPT-2 config" or by its model_type.
  const refusesFamily =
    err.code === 'SOURCE_MALFORMED' &&
    (err.message.includes('not a GPT-2 config') || err.message.includes(`model_type is '${m.modelType}'`));
  if (PENDING_MODEL_TYPES.includes(m.modelType) && refusesFamily)
    return `the loader does not read model_type ${m.modelType} yet (${err.message})`;
  if (m.shards > 1 && err.code === 'SOURCE_NOT_FOUND' && err.message.includes('model.safetensors'))
    return `the loader does not read sharded checkpoints yet (${err.message})`;
  return undefined;
}

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
    test(`${c.name} (${m.modelType}, ${m.dtype}, ${m.shards} file(s)) agrees with ${m.reference} on every hook and the logits`, async (t) => {
      let model: LoadedModel;
      try {
        model = await loadModel(c.modelDir);
      } catch (err) {
        const why = pendingLoad(err, m);
        if (why === undefined) throw err;
        t.skip(why);
        return;
      }
      try {
        const a = await measureAgreement(model, outputDir);
        for (const r of a.refusedHooks) {
          const kind = r.name.replace(/^blocks\.\d+\./, '');
          assert.ok(PENDING_HOOK_KINDS.includes(kind), `the runner refused ${r.name}: ${r.message}`);
          await t.test(r.name, { skip: `the runner does not expose ${kind} yet (${r.message})` }, () => {});
        }
        assert.equal(a.hooks.length + a.refusedHooks.length, m.hooks.length);
        const over = a.hooks.filter((h) => !(h.maxRelDiff <= TOLERANCE));
        assert.deepEqual(over, [], `hooks beyond ${TOLERANCE} relative`);
        assert.ok(a.logits <= TOLERANCE, `logits ${a.logits} relative`);
      } finally {
        disposeModel(model);
      }
    });
  }
}
