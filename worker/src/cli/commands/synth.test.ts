import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readNpy } from '../../formats/npy.js';
import { runCli } from '../runCli.testing.js';

const dir = mkdtempSync(join(tmpdir(), 'engine-synth-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('worker synth', () => {
  it('writes acts.npy and true_features.npy with the asked shapes and sparsity', () => {
    const out = join(dir, 's');
    const r = runCli(['synth', '--out', out, '--d', '8', '--features', '32', '--l0', '3', '--samples', '2000']);
    assert.equal(r.status, 0, r.stderr);
    const acts = readNpy(join(out, 'acts.npy'));
    const feats = readNpy(join(out, 'true_features.npy'));
    assert.deepEqual(acts.shape, [2000, 8]);
    assert.deepEqual(feats.shape, [32, 8]);
    for (let f = 0; f < 32; f++) {
      const norm = Math.hypot(...feats.data.subarray(f * 8, f * 8 + 8));
      assert.ok(Math.abs(norm - 1) < 1e-5, `feature ${f} has unit norm`);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['s'], 'no temporary folder left');
  });

  it('rejects bad arguments with one line naming the flag', () => {
    const r = runCli([
      'synth',
      '--out',
      join(dir, 'x'),
      '--d',
      '0',
      '--features',
      '32',
      '--l0',
      '3',
      '--samples',
      '10',
    ]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), 'ARGUMENT_INVALID: --d must be an integer >= 1 (got "0")');
    const m = runCli(['synth', '--out', join(dir, 'y'), '--d', '4']);
    assert.match(m.stderr, /ARGUMENT_INVALID: --features is required/);
    assert.ok(!existsSync(join(dir, 'x')) && !existsSync(join(dir, 'y')));
  });
});
