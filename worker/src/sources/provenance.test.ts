import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AtlasError } from '../errors.js';
import { assertProvenance } from './provenance.js';

const made = { model: 'builtin:tiny-brown', hook: 'blocks.0.mlp.hook_post', tokenizer: 'tiny-brown@abc', contextSize: 64, prependBos: true, corpus: 'brown' };

test('matching provenance passes; bare files without provenance pass', () => {
  assertProvenance(made, { model: 'builtin:tiny-brown', hook: 'blocks.0.mlp.hook_post' }, 'runs/a');
  assertProvenance(undefined, { hook: 'blocks.0.mlp.hook_post' }, 'runs/a');
});

test('a hook or tokenizer mismatch names every differing field', () => {
  assert.throws(
    () => assertProvenance(made, { hook: 'blocks.0.hook_resid_post', tokenizer: 'gpt2@def', contextSize: 64 }, 'runs/a/manifest.json'),
    (err: AtlasError) => {
      assert.equal(err.code, 'PROVENANCE_MISMATCH');
      assert.equal(
        err.message,
        'runs/a/manifest.json: hook is "blocks.0.mlp.hook_post" but "blocks.0.hook_resid_post" was expected; tokenizer is "tiny-brown@abc" but "gpt2@def" was expected; ' +
          'extract activations again with the matching --model/--hook, or use the matching model',
      );
      return true;
    },
  );
});
