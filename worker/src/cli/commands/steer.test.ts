import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../engine/rng.js';
import { writeSaelens } from '../../engine/sae/saelensFormat.js';
import { runCli } from '../runCli.testing.js';

const dir = mkdtempSync(join(tmpdir(), 'worker-steer-cli-'));
const sae = join(dir, 'sae');
before(() => {
  // A random TopK dictionary on the built-in model's residual stream; its cfg.json names the hook.
  const dIn = 128;
  const dSae = 32;
  const rng = new Rng(5);
  mkdirSync(sae);
  writeSaelens(
    sae,
    {
      architecture: 'topk',
      dIn,
      dSae,
      k: 4,
      wEncT: rng.normals(dSae * dIn),
      bEnc: new Float32Array(dSae),
      wDec: rng.normals(dSae * dIn),
      bDec: new Float32Array(dIn),
      scale: 1,
    },
    {
      provenance: {
        model: 'builtin:tiny-brown',
        hook: 'blocks.0.hook_resid_post',
        tokenizer: 'tiny-brown',
        contextSize: 64,
        prependBos: true,
        corpus: 'brown',
      },
    },
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('worker steer', () => {
  it('prints the default and the steered continuation; --json has tokens with log-probabilities', () => {
    const common = ['steer', '--sae', sae, '--prompt', 'The river was', '--max-new-tokens', '6'];
    const r = runCli([...common, '--feature', '3', '--feature', '5', '--strength', '4']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /blocks\.0\.hook_resid_post, add feature 3, 5 \(max activation ≈ [\d.]+, [\d.]+\)/);
    const def = /^default: (.*)$/m.exec(r.stdout)![1];
    const steered = /^steered: (.*)$/m.exec(r.stdout)![1];
    assert.ok(def.startsWith('The river was') && steered.startsWith('The river was'));
    assert.notEqual(def, steered);
    const j = runCli([...common, '--feature', '3', '--strength', '0', '--json']);
    assert.equal(j.status, 0, j.stderr);
    const result = JSON.parse(j.stdout);
    assert.equal(result.steered.tokens.length, 6);
    assert.deepEqual(
      result.steered.tokens.map((t: { id: number }) => t.id),
      result.default.tokens.map((t: { id: number }) => t.id),
      'strength 0 is the default',
    );
    assert.ok(result.steered.tokens.every((t: { logprob: number }) => t.logprob <= 0));
  });

  it('refuses bad input with one line naming the flag', () => {
    const common = ['steer', '--sae', sae, '--prompt', 'The river was'];
    const cases: [string[], RegExp][] = [
      [['--feature', '32', '--strength', '1', '--strength-unit', 'raw'], /ARGUMENT_INVALID: --feature: 32 is not a feature .*0 to 31/], // prettier-ignore
      [['--feature', '3', '--strength', 'NaN'], /ARGUMENT_INVALID: --strength must be a number \(got "NaN"\)/],
      [['--feature', '3', '--strength', '1e9'], /ARGUMENT_INVALID: --strength: must be a number from -1000 to 1000/],
      [['--feature', '3', '--strength', '1', '--max-new-tokens', '300'], /ARGUMENT_INVALID: --max-new-tokens: .*1 to 256/], // prettier-ignore
      [
        ['--feature', '3', '--strength', '1', '--positions', '0,99'],
        /ARGUMENT_INVALID: --positions: 99 is out of range/,
      ],
      [['--feature', '3'], /ARGUMENT_INVALID: --strength is required with --mode add/],
    ];
    for (const [args, pattern] of cases) {
      const r = runCli([...common, ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.trim(), pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
