// SAELens folders out and in: export → import gives identical encodings, the normalisation factor is folded in,
// and malformed folders fail with messages that name the file and the fix.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeSafetensors } from '../../formats/safetensors.js';
import { loadBackend } from '../backendRegistry.js';
import { syntheticArray } from '../syntheticSet.js';
import { trainedWeights } from '../train.js';
import { trainOnArray } from '../trainRun.js';
import { decodeSaelens, encodeSaelens, foldWeights, readSaelens, writeSaelens } from './saelensFormat.js';

const backend = await loadBackend('auto', { threads: 2 });
const dir = mkdtempSync(join(tmpdir(), 'engine-saelens-'));
after(() => {
  backend.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const d = 16;
// Raw activations far from unit scale, so a missing or doubled normalisation factor shows.
const { data } = syntheticArray({ d, features: 32, l0: 2, samples: 4096, seed: 3 });
for (let i = 0; i < data.length; i++) data[i] *= 7;

describe('SAELens format', () => {
  for (const [arch, archOptions] of [
    ['topk', { k: 3 }],
    ['jumprelu', {}],
    ['relu', {}],
    ['batchtopk', { k: 3 }],
  ] as const) {
    it(`${arch}: export → import → identical encodings`, async () => {
      const t = await trainOnArray(backend, data, 4096, d, {
        arch,
        dSae: 40,
        archOptions,
        batchSize: 256,
        tokens: 256 * 10,
        seed: 1,
      });
      const weights = trainedWeights(t);
      const out = join(dir, arch);
      mkdirSync(out);
      const written = writeSaelens(out, weights, {
        provenance: {
          model: 'builtin:tiny',
          hook: 'blocks.3.mlp.hook_post',
          tokenizer: 'tok#abc',
          contextSize: 128,
          prependBos: true,
          corpus: 'corpus/x',
        },
      });
      const read = readSaelens(out);
      const x = data.subarray(0, 64 * d);
      assert.deepEqual([...encodeSaelens(read, x, 64)], [...encodeSaelens(written, x, 64)]);
      assert.deepEqual([...read.wEnc], [...written.wEnc]);

      const cfg = JSON.parse(readFileSync(join(out, 'cfg.json'), 'utf8'));
      assert.equal(cfg.d_in, d);
      assert.equal(cfg.d_sae, 40);
      assert.equal(
        cfg.architecture,
        { topk: 'topk', jumprelu: 'jumprelu', relu: 'standard', batchtopk: 'jumprelu' }[arch],
      );
      assert.equal(cfg.model_name, 'builtin:tiny');
      assert.equal(cfg.hook_name, 'blocks.3.mlp.hook_post');
      assert.equal(cfg.hook_layer, 3);
      assert.equal(cfg.context_size, 128);
      assert.equal(cfg.prepend_bos, true);
      assert.equal(cfg.dataset_path, 'corpus/x');
      assert.equal(cfg.normalize_activations, 'none');
      let sq = 0;
      for (const v of data) sq += v * v;
      const expected = Math.sqrt(d / (sq / 4096));
      assert.ok(
        Math.abs(cfg.atlas.normalization_scale / expected - 1) < 0.02,
        `scale ${cfg.atlas.normalization_scale} ≈ sqrt(dIn / mean ‖x‖²) = ${expected}`,
      );
      if (arch === 'topk') assert.equal(cfg.k, 3);
      if (arch === 'jumprelu' || arch === 'batchtopk') assert.equal(read.threshold!.length, 40);
    });
  }

  it('folds the normalisation factor: raw activations reconstruct as well as scaled ones did', async () => {
    const t = await trainOnArray(backend, data, 4096, d, {
      arch: 'topk',
      dSae: 40,
      archOptions: { k: 3 },
      batchSize: 256,
      tokens: 256 * 30,
      seed: 1,
    });
    const sae = { ...foldWeights(trainedWeights(t)), applyBDecToInput: true, cfg: {} };
    const n = 256;
    const x = data.subarray(0, n * d);
    const recon = decodeSaelens(sae, encodeSaelens(sae, x, n), n);
    let sse = 0;
    let sst = 0;
    const mean = new Float64Array(d);
    for (let i = 0; i < n * d; i++) mean[i % d] += x[i] / n;
    for (let i = 0; i < n * d; i++) {
      sse += (recon[i] - x[i]) ** 2;
      sst += (x[i] - mean[i % d]) ** 2;
    }
    const fvu = sse / sst;
    const trainFvu = t.curves[t.curves.length - 1].fvu;
    assert.ok(
      Math.abs(fvu - trainFvu) < 0.1,
      `FVU on raw data ${fvu.toFixed(3)} ≈ training FVU ${trainFvu.toFixed(3)}`,
    );
  });

  it('reads SAELens folders written elsewhere (topk as standard + activation_fn_kwargs)', () => {
    const out = join(dir, 'foreign');
    mkdirSync(out);
    writeFileSync(
      join(out, 'cfg.json'),
      JSON.stringify({
        architecture: 'standard',
        d_in: 2,
        d_sae: 3,
        activation_fn_str: 'topk',
        activation_fn_kwargs: { k: 1 },
        normalize_activations: 'none',
      }),
    );
    writeSafetensors(join(out, 'sae_weights.safetensors'), {
      W_enc: { data: [1, 0, 0, 0, 1, 1], shape: [2, 3] },
      W_dec: { data: [1, 0, 0, 1, 0, 1], shape: [3, 2] },
      b_enc: { data: [0, 0, 0], shape: [3] },
      b_dec: { data: [0, 0], shape: [2] },
    });
    const sae = readSaelens(out);
    assert.equal(sae.architecture, 'topk');
    assert.equal(sae.k, 1);
    assert.deepEqual([...encodeSaelens(sae, Float32Array.of(2, 1), 1)], [2, 0, 0]);
  });

  it('rejects malformed folders with the file, the tensor and the fix', () => {
    const out = join(dir, 'bad');
    mkdirSync(out);
    writeFileSync(join(out, 'cfg.json'), JSON.stringify({ architecture: 'topk', d_in: 2, d_sae: 3, k: 1 }));
    writeSafetensors(join(out, 'sae_weights.safetensors'), {
      W_enc: { data: [1, 0, 0, 0, 1, 1], shape: [3, 2] },
      W_dec: { data: [1, 0, 0, 1, 0, 1], shape: [3, 2] },
      b_enc: { data: [0, 0, 0], shape: [3] },
      b_dec: { data: [0, 0], shape: [2] },
    });
    assert.throws(
      () => readSaelens(out),
      /sae_weights\.safetensors: W_enc is \[3, 2\] but cfg\.json \(d_in=2, d_sae=3\) needs \[2, 3\]/,
    );
    writeFileSync(join(out, 'cfg.json'), JSON.stringify({ architecture: 'gated', d_in: 2, d_sae: 3 }));
    assert.throws(() => readSaelens(out), /architecture 'gated' is not supported/);
    writeFileSync(
      join(out, 'cfg.json'),
      JSON.stringify({
        architecture: 'topk',
        d_in: 2,
        d_sae: 3,
        k: 1,
        normalize_activations: 'expected_average_only_in',
      }),
    );
    assert.throws(() => readSaelens(out), /fold it into the weights/);
    rmSync(join(out, 'cfg.json'));
    assert.throws(() => readSaelens(out), /cfg\.json: cannot read/);
  });
});
