// Dictionaries from other tools: pre-6.0 SAELens folders and EleutherAI sparsify folders load into SAELens
// layout, encode exactly like a naive reference written from each tool's own forward pass, and bad folders
// fail with the file, the tensor and the fix.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeSafetensors } from '../../formats/safetensors.js';
import { Rng } from '../rng.js';
import { loadExternalSae, saveExternalAsSaelens } from './loadExternalSae.js';
import { encodeSaelens } from './saelensFormat.js';

const root = mkdtempSync(join(tmpdir(), 'engine-external-'));
after(() => rmSync(root, { recursive: true, force: true }));

const dIn = 6;
const dSae = 12;
const n = 32;
const rng = new Rng(11);
const random = (count: number, scale = 1) => Float32Array.from({ length: count }, () => (rng.next() * 2 - 1) * scale);
const x = random(n * dIn, 3);
// Weights with the encoder stored [d_sae, d_in] as sparsify does; SAELens folders get its transpose.
const encoderWeight = random(dSae * dIn);
const bEnc = random(dSae, 0.5);
const wDec = random(dSae * dIn);
const bDec = random(dIn, 0.5);
const wEncT = new Float32Array(dIn * dSae);
for (let l = 0; l < dSae; l++) for (let p = 0; p < dIn; p++) wEncT[p * dSae + l] = encoderWeight[l * dIn + p];

/** pre[t, l] = Σ_p (x[t,p] − b_dec[p]·subtract) W[l,p] + b_enc[l], in float64. */
function preActivations(subtract: boolean): number[][] {
  return Array.from({ length: n }, (_, t) =>
    Array.from({ length: dSae }, (_, l) => {
      let s = bEnc[l];
      for (let p = 0; p < dIn; p++) s += (x[t * dIn + p] - (subtract ? bDec[p] : 0)) * encoderWeight[l * dIn + p];
      return s;
    }),
  );
}

/** sparsify's fused_encoder: ReLU first, then the k largest. */
function naiveSparsify(k: number): number[][] {
  return preActivations(true).map((row) => {
    const relu = row.map((v) => Math.max(0, v));
    const keep = new Set([...relu.keys()].sort((a, b) => relu[b] - relu[a] || a - b).slice(0, k));
    return relu.map((v, l) => (keep.has(l) ? v : 0));
  });
}

function naiveRelu(subtract: boolean): number[][] {
  return preActivations(subtract).map((row) => row.map((v) => Math.max(0, v)));
}

function assertClose(actual: Float32Array, expected: number[][], what: string): void {
  for (let t = 0; t < n; t++)
    for (let l = 0; l < dSae; l++) {
      const a = actual[t * dSae + l];
      const e = expected[t][l];
      assert.ok(Math.abs(a - e) <= 1e-4 * (1 + Math.abs(e)), `${what}: [${t}, ${l}] is ${a}, expected ${e}`);
    }
}

function folder(name: string, files: Record<string, unknown>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files))
    if (file.endsWith('.json')) writeFileSync(join(dir, file), JSON.stringify(content));
    else
      writeSafetensors(
        join(dir, file),
        content as Record<string, { data: Float32Array; shape: number[]; dtype?: 'float16' }>,
      );
  return dir;
}

const saelensTensors = {
  W_enc: { data: wEncT, shape: [dIn, dSae] },
  W_dec: { data: wDec, shape: [dSae, dIn] },
  b_enc: { data: bEnc, shape: [dSae] },
  b_dec: { data: bDec, shape: [dIn] },
};

const sparsifyTensors = {
  'encoder.weight': { data: encoderWeight, shape: [dSae, dIn] },
  'encoder.bias': { data: bEnc, shape: [dSae] },
  W_dec: { data: wDec, shape: [dSae, dIn] },
  b_dec: { data: bDec, shape: [dIn] },
};

describe('loadExternalSae', () => {
  it('reads a pre-6.0 flat SAELens cfg (hook_point, activation_fn_str relu, boolean normalize_activations)', () => {
    const dir = folder('saelens-old-relu', {
      'cfg.json': {
        d_in: dIn,
        d_sae: dSae,
        model_name: 'gpt2-small',
        hook_point: 'blocks.8.hook_resid_pre',
        hook_point_layer: 8,
        hook_point_head_index: null,
        activation_fn_str: 'relu',
        apply_b_dec_to_input: false,
        normalize_activations: false,
        dtype: 'torch.float32',
        sae_lens_training_version: '3.13.0',
      },
      'sae_weights.safetensors': saelensTensors,
    });
    const sae = loadExternalSae(dir);
    assert.equal(sae.format, 'saelens');
    assert.equal(sae.architecture, 'standard');
    assert.equal(sae.hookName, 'blocks.8.hook_resid_pre');
    assert.equal(sae.modelName, 'gpt2-small');
    assert.equal(sae.applyBDecToInput, false);
    assertClose(encodeSaelens(sae, x, n), naiveRelu(false), 'pre-6.0 relu');
  });

  it('reads a pre-6.0 topk cfg (activation_fn_str topk, activation_fn_kwargs.k) and folds scaling_factor into W_dec', () => {
    const scaling = Float32Array.from({ length: dSae }, (_, l) => 1 + l / 10);
    const dir = folder('saelens-old-topk', {
      'cfg.json': {
        d_in: dIn,
        // No d_sae: the oldest runner configs give expansion_factor instead.
        expansion_factor: dSae / dIn,
        hook_point: 'blocks.2.hook_mlp_out',
        activation_fn_str: 'topk',
        activation_fn_kwargs: { k: 3 },
        apply_b_dec_to_input: true,
        finetuning_scaling_factor: true,
      },
      'sae_weights.safetensors': { ...saelensTensors, scaling_factor: { data: scaling, shape: [dSae] } },
    });
    const sae = loadExternalSae(dir);
    assert.equal(sae.architecture, 'topk');
    assert.equal(sae.k, 3);
    assert.equal(sae.hookName, 'blocks.2.hook_mlp_out');
    assertClose(encodeSaelens(sae, x, n), naiveSparsify(3), 'pre-6.0 topk');
    assert.ok(Math.abs(sae.wDec[5 * dIn + 2] - wDec[5 * dIn + 2] * scaling[5]) < 1e-6);
  });

  it('reads a v6 SAELens cfg whose hook name sits in the metadata block, with float16 weights', () => {
    const half = Object.fromEntries(
      Object.entries(saelensTensors).map(([k, v]) => [k, { ...v, dtype: 'float16' as const }]),
    );
    const dir = folder('saelens-v6', {
      'cfg.json': {
        architecture: 'topk',
        d_in: dIn,
        d_sae: dSae,
        k: 2,
        normalize_activations: 'none',
        metadata: { hook_name: 'blocks.0.hook_resid_post', model_name: 'tiny', sae_lens_version: '6.5.0' },
      },
      'sae_weights.safetensors': half,
    });
    const sae = loadExternalSae(dir);
    assert.equal(sae.hookName, 'blocks.0.hook_resid_post');
    assert.equal(sae.modelName, 'tiny');
    assert.equal(sae.k, 2);
    // float16 weights: compare against the same weights rounded, within half precision.
    const codes = encodeSaelens(sae, x, n);
    const expected = naiveSparsify(2);
    for (let t = 0; t < n; t++)
      for (let l = 0; l < dSae; l++)
        assert.ok(Math.abs(codes[t * dSae + l] - expected[t][l]) < 0.05 * (1 + Math.abs(expected[t][l])));
  });

  it('reads a sparsify folder (encoder.weight [d_sae, d_in], ReLU then top k) named after its hook point', () => {
    const dir = folder('run/layers.3.mlp', {
      'cfg.json': {
        activation: 'topk',
        expansion_factor: 32,
        normalize_decoder: true,
        num_latents: dSae,
        k: 4,
        multi_topk: false,
        skip_connection: false,
        transcode: false,
        d_in: dIn,
      },
      'sae.safetensors': sparsifyTensors,
    });
    const sae = loadExternalSae(dir);
    assert.equal(sae.format, 'sparsify');
    assert.equal(sae.architecture, 'topk');
    assert.equal(sae.k, 4);
    assert.equal(sae.dSae, dSae);
    assert.equal(sae.hookName, 'layers.3.mlp');
    assert.deepEqual([...sae.wDec], [...wDec]);
    assertClose(encodeSaelens(sae, x, n), naiveSparsify(4), 'sparsify');

    // Saved as SAELens, it reads back as the same dictionary with the same codes.
    const saved = join(root, 'sparsify-as-saelens');
    mkdirSync(saved);
    saveExternalAsSaelens(saved, sae);
    const back = loadExternalSae(saved);
    assert.equal(back.format, 'saelens');
    assert.equal(back.hookName, 'layers.3.mlp');
    assert.equal(back.k, 4);
    assert.deepEqual([...encodeSaelens(back, x, n)], [...encodeSaelens(sae, x, n)]);
  });

  it('sizes a sparsify coder from expansion_factor and b_dec when num_latents and d_in are absent', () => {
    const dir = folder('sparsify-old', {
      'cfg.json': { expansion_factor: 2, num_latents: 0, k: 1 },
      'sae.safetensors': {
        'encoder.weight': { data: new Float32Array(12 * dIn), shape: [12, dIn] },
        'encoder.bias': { data: new Float32Array(12), shape: [12] },
        W_dec: { data: new Float32Array(12 * dIn), shape: [12, dIn] },
        b_dec: { data: bDec, shape: [dIn] },
      },
    });
    const sae = loadExternalSae(dir);
    assert.equal(sae.dIn, dIn);
    assert.equal(sae.dSae, 12);
  });

  it('fails with the folder, file, tensor and fix', () => {
    assert.throws(() => loadExternalSae(join(root, 'nowhere')), /nowhere: no such folder; pass a SAELens folder/);
    const empty = folder('unknown', { 'notes.json': {} });
    assert.throws(
      () => loadExternalSae(empty),
      /unknown: unknown SAE format \(found notes\.json\); expected cfg\.json with sae_weights\.safetensors \(SAELens\) or sae\.safetensors \(sparsify\)/,
    );
    assert.throws(
      () => loadExternalSae(join(root, 'run')),
      /several hook points \(layers\.3\.mlp\); pass one of those folders/,
    );

    const wrong = folder('sparsify-wrong', {
      'cfg.json': { num_latents: dSae, k: 2, d_in: dIn },
      'sae.safetensors': { ...sparsifyTensors, 'encoder.weight': { data: wEncT, shape: [dIn, dSae] } },
    });
    assert.throws(
      () => loadExternalSae(wrong),
      /sae\.safetensors: encoder\.weight is \[6, 12\] but cfg\.json \(d_in=6, num_latents=12\) needs \[12, 6\]/,
    );
    const missing = folder('sparsify-missing', {
      'cfg.json': { num_latents: dSae, k: 2, d_in: dIn },
      'sae.safetensors': { W_dec: sparsifyTensors.W_dec, b_dec: sparsifyTensors.b_dec },
    });
    assert.throws(() => loadExternalSae(missing), /sae\.safetensors: missing tensor encoder\.weight \[12, 6\]/);

    const nan = Float32Array.from(wDec);
    nan[7] = NaN;
    const notFinite = folder('saelens-nan', {
      'cfg.json': { architecture: 'standard', d_in: dIn, d_sae: dSae },
      'sae_weights.safetensors': { ...saelensTensors, W_dec: { data: nan, shape: [dSae, dIn] } },
    });
    assert.throws(
      () => loadExternalSae(notFinite),
      /sae_weights\.safetensors: W_dec\[7\] is NaN; the SAE weights must be finite/,
    );

    const truncated = folder('saelens-truncated', {
      'cfg.json': { architecture: 'standard', d_in: dIn, d_sae: dSae },
      'sae_weights.safetensors': saelensTensors,
    });
    const file = join(truncated, 'sae_weights.safetensors');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 17));
    assert.throws(() => loadExternalSae(truncated), /sae_weights\.safetensors: truncated: tensor '.*' ends at byte/);

    const gated = folder('saelens-gelu', {
      'cfg.json': { d_in: dIn, d_sae: dSae, activation_fn_str: 'gelu' },
      'sae_weights.safetensors': saelensTensors,
    });
    assert.throws(
      () => loadExternalSae(gated),
      /activation function 'gelu' is not supported \(expected relu or topk\)/,
    );

    const groupmax = folder('sparsify-groupmax', {
      'cfg.json': { activation: 'groupmax', num_latents: dSae, k: 2, d_in: dIn },
      'sae.safetensors': sparsifyTensors,
    });
    assert.throws(() => loadExternalSae(groupmax), /activation 'groupmax' is not supported/);
  });
});
