import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeNpy } from '../../formats/npy.js';
import { readSaelens } from '../../engine/sae/saelensFormat.js';
import { runCli } from '../runCli.testing.js';

const dir = mkdtempSync(join(tmpdir(), 'engine-train-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const acts = join(dir, 'acts');

before(() => {
  const r = runCli(['synth', '--out', acts, '--d', '16', '--features', '48', '--l0', '3', '--samples', '4096']);
  assert.equal(r.status, 0, r.stderr);
  // Provenance as an extraction would write it, to check that it reaches cfg.json.
  const manifest = JSON.parse(readFileSync(join(acts, 'manifest.json'), 'utf8'));
  manifest.provenance = {
    model: 'builtin:tiny',
    hook: 'blocks.1.hook_resid_post',
    tokenizer: 'bpe#1',
    contextSize: 64,
    prependBos: true,
    corpus: 'corpus/tiny',
  };
  writeFileSync(join(acts, 'manifest.json'), JSON.stringify(manifest));
});

/** Files left next to `out` (temporary folders, checkpoints) other than the inputs. */
const leftovers = () => readdirSync(dir).filter((f) => f !== 'acts' && f !== 'bad');

describe('worker train', () => {
  it('trains a TopK dictionary into a SAELens folder, printing the backend and progress to stderr', () => {
    const out = join(dir, 'sae');
    const r = runCli([
      'train',
      '--acts',
      acts,
      '--arch',
      'topk',
      '--latents',
      '64',
      '--k',
      '3',
      '--out',
      out,
      '--batch',
      '512',
      '--tokens',
      '20480',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^backend: (cpu|reference|tfjs) \(/m);
    assert.match(r.stderr, /train \[#+\] 100% step 40\/40 .* tok\/s {2}ETA 0:00/);
    assert.match(r.stdout, /wrote .*sae \(FVU/);
    const sae = readSaelens(out);
    assert.equal(sae.dSae, 64);
    assert.equal(sae.k, 3);
    const cfg = sae.cfg as Record<string, unknown>;
    assert.deepEqual(
      [cfg.model_name, cfg.hook_name, cfg.hook_layer, cfg.context_size, cfg.prepend_bos, cfg.dataset_path],
      ['builtin:tiny', 'blocks.1.hook_resid_post', 1, 64, true, 'corpus/tiny'],
      'provenance from manifest.json recorded with SAELens keys',
    );
    // the activation folder it read, where evaluations find the text it was trained on
    assert.equal((cfg.atlas as { activations?: string }).activations, resolve(acts));
    const metrics = JSON.parse(readFileSync(join(out, 'atlas_metrics.json'), 'utf8'));
    assert.ok(
      metrics.curves.length > 0 &&
        typeof metrics.denseFraction === 'number' &&
        metrics.logDensityHistogram.counts.length === 8,
    );
    assert.deepEqual(leftovers(), ['sae'], 'no temporary folder or checkpoint left behind');
  });

  it('chooses the length itself when given none: it stops at the held-out plateau and says so', () => {
    const out = join(dir, 'sae-plateau');
    const r = runCli(['train', '--acts', acts, '--arch', 'topk', '--latents', '64', '--k', '3', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^length: until the held-out FVU stops improving \(at most 50,000 steps of 1024\)/m);
    assert.match(r.stderr, /held-out FVU [\d.]+ stopped improving at step \d+: learning rate cut to /);
    const decay = /held-out FVU [\d.]+ stopped improving at step (\d+): final decay, the run ends at step (\d+)/.exec(
      r.stderr,
    );
    assert.ok(decay, r.stderr);
    const metrics = JSON.parse(readFileSync(join(out, 'atlas_metrics.json'), 'utf8'));
    assert.equal(metrics.steps, Number(decay[2]), 'the run ended where the decay did');
    assert.ok(metrics.steps < 50_000);
    // 4,096 rows are too few to hold any out: the rule watched a fixed sample of the training rows, and says so.
    assert.equal(metrics.stopping.heldOutRows, 0);
    assert.equal(metrics.stopping.learningRateCuts.length, 1);
    rmSync(out, { recursive: true, force: true });
  });

  it('refuses an existing --out', () => {
    const out = join(dir, 'exists');
    mkdirSync(out);
    const r = runCli(['train', '--acts', acts, '--latents', '8', '--k', '2', '--out', out]);
    assert.equal(r.status, 2);
    assert.match(r.stderr.trim(), /^OUTPUT_EXISTS: --out .*exists already exists; remove it or choose another folder$/);
    rmSync(out, { recursive: true });
  });

  it('gives one-line errors for bad arguments', () => {
    const out = join(dir, 'never');
    const cases: [string[], string][] = [
      [
        ['--latents', '8', '--k', '2'],
        'ARGUMENT_INVALID: --acts is required: a .npy/.safetensors file or a folder of activation shards',
      ],
      [
        ['--acts', acts, '--k', '2'],
        'ARGUMENT_INVALID: --latents is required: the dictionary size, e.g. --latents 1024',
      ],
      [
        ['--acts', acts, '--latents', 'many', '--k', '2'],
        'ARGUMENT_INVALID: --latents must be an integer >= 1 (got "many")',
      ],
      [
        ['--acts', acts, '--latents', '8'],
        'ARGUMENT_INVALID: --k is required for --arch topk: active latents per token, e.g. --k 32',
      ],
      [
        ['--acts', acts, '--latents', '8', '--k', '9'],
        'ARGUMENT_INVALID: --k must be an integer >= 1 and <= 8 (got "9")',
      ],
      [
        ['--acts', acts, '--latents', '8', '--arch', 'gated'],
        'ARGUMENT_INVALID: --arch gated is unknown; use one of topk, batchtopk, relu, jumprelu, transcoder',
      ],
      [
        ['--acts', acts, '--latents', '8', '--k', '2', '--backend', 'cuda'],
        'ARGUMENT_INVALID: --backend cuda is unknown; use one of auto, reference, cpu, tfjs',
      ],
      [
        ['--acts', join(dir, 'missing.npy'), '--latents', '8', '--k', '2'],
        `SOURCE_NOT_FOUND: --acts ${join(dir, 'missing.npy')} does not exist; pass a .npy/.safetensors file or a folder of activation shards`,
      ],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['train', ...args, '--out', out]);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stderr.trim(), message);
    }
    assert.ok(!existsSync(out));
  });

  it('names the shard and row of a NaN and leaves nothing at --out', () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    const data = new Float32Array(3000 * 4).fill(0.5);
    data[2500 * 4 + 2] = NaN;
    writeNpy(join(bad, 'shard0.npy'), data, [3000, 4]);
    const out = join(dir, 'nan-out');
    const r = runCli([
      'train',
      '--acts',
      bad,
      '--latents',
      '8',
      '--k',
      '2',
      '--out',
      out,
      '--batch',
      '256',
      '--tokens',
      '8192',
    ]);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr.trim().split('\n').pop()!,
      /^SOURCE_NOT_FINITE: .*shard0\.npy: row 2500, column 2 is NaN; activations must be finite/,
    );
    assert.ok(!existsSync(out));
    assert.ok(!readdirSync(dir).some((f) => f.startsWith('nan-out')), 'no partial folder');
  });

  it('checkpoints and resumes', () => {
    const out = join(dir, 'resumed');
    const args = [
      'train',
      '--acts',
      acts,
      '--latents',
      '32',
      '--k',
      '2',
      '--out',
      out,
      '--batch',
      '256',
      '--tokens',
      '5120',
      '--checkpoint-every',
      '5',
    ];
    const first = runCli([...args, '--stop-after', '12']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /checkpoint .*step-000000010/);
    assert.ok(!existsSync(out));
    const fresh = runCli(args);
    assert.equal(fresh.status, 2);
    assert.match(
      fresh.stderr.trim(),
      /^OUTPUT_EXISTS: .*resumed\.checkpoints holds checkpoints of an interrupted run; continue it with --resume/,
    );
    const second = runCli([...args, '--resume']);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /resuming at step 10 of 20/);
    const resumed = readSaelens(out);
    const straight = join(dir, 'straight');
    assert.equal(
      runCli([
        'train',
        '--acts',
        acts,
        '--latents',
        '32',
        '--k',
        '2',
        '--out',
        straight,
        '--batch',
        '256',
        '--tokens',
        '5120',
      ]).status,
      0,
    );
    assert.deepEqual([...resumed.wDec], [...readSaelens(straight).wDec], 'resumed run = uninterrupted run');
    assert.ok(!existsSync(`${out}.checkpoints`), 'checkpoints removed after success');
  });
});
