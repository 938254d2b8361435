// Transcoders on disk: a SAELens transcoder folder written here from the layout's spec loads with its output side
// and writes back identical; circuit-tracer sets go out and come back identical, a set written here from
// circuit-tracer's spec (not by the exporter) loads with the right shapes; bad folders fail naming the problem.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../../formats/safetensors.js';
import { Rng } from '../rng.js';
import { readCircuitTracerSet, writeCircuitTracerSet } from './circuitTracerFormat.js';
import { loadExternalSae, saveExternalAsSaelens } from './loadExternalSae.js';
import { decodeSaelens, encodeSaelens } from './saelensFormat.js';

const root = mkdtempSync(join(tmpdir(), 'engine-transcoder-'));
after(() => rmSync(root, { recursive: true, force: true }));

const dIn = 5;
const dOut = 5;
const dSae = 9;
const rng = new Rng(5);
const random = (count: number, scale = 1) => Float32Array.from({ length: count }, () => (rng.next() * 2 - 1) * scale);

interface Folder {
  dir: string;
  tensors: Record<string, { data: Float32Array; shape: number[] }>;
}

/** A SAELens transcoder folder as the layout describes it: W_enc [d_in, d_sae], W_dec [d_sae, d_out], … */
function transcoderFolder(
  name: string,
  layer: number,
  o: { skip?: boolean; k?: number; cfg?: Record<string, unknown>; drop?: string; dOut?: number } = {},
): Folder {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const out = o.dOut ?? dOut;
  const tensors: Folder['tensors'] = {
    W_enc: { data: random(dIn * dSae), shape: [dIn, dSae] },
    b_enc: { data: random(dSae, 0.3), shape: [dSae] },
    W_dec: { data: random(dSae * out), shape: [dSae, out] },
    b_dec: { data: random(out, 0.3), shape: [out] },
  };
  if (o.skip) tensors.W_skip = { data: random(out * dIn), shape: [out, dIn] };
  if (o.drop) delete tensors[o.drop];
  writeSafetensors(join(dir, 'sae_weights.safetensors'), tensors);
  const k = o.k ?? 3;
  const cfg = {
    architecture: o.skip ? 'skip_transcoder' : 'transcoder',
    d_in: dIn,
    d_sae: dSae,
    d_out: dOut,
    hook_name: `blocks.${layer}.hook_resid_mid`,
    hook_name_out: `blocks.${layer}.hook_mlp_out`,
    model_name: 'tiny',
    k,
    activation_fn_kwargs: { k },
    ...o.cfg,
  };
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify(cfg));
  return { dir, tensors };
}

function assertSameTensors(a: string, b: string): void {
  const ta = readSafetensors(a).tensors;
  const tb = readSafetensors(b).tensors;
  assert.deepEqual([...tb.keys()].sort(), [...ta.keys()].sort());
  for (const [name, t] of ta) {
    assert.deepEqual(tb.get(name)!.shape, t.shape, name);
    assert.deepEqual(tb.get(name)!.data, t.data, name);
  }
}

describe('SAELens transcoder folders', () => {
  it('load with d_out, the output hook and W_skip, and write back identical tensors', () => {
    const { dir, tensors } = transcoderFolder('skip', 1, { skip: true });
    const sae = loadExternalSae(dir);
    assert.equal(sae.architecture, 'topk');
    assert.equal(sae.k, 3);
    assert.equal(sae.applyBDecToInput, false);
    assert.equal(sae.hookName, 'blocks.1.hook_resid_mid');
    assert.deepEqual(
      { ...sae.transcoder, wSkip: undefined },
      { architecture: 'skip_transcoder', dOut, hookNameOut: 'blocks.1.hook_mlp_out', wSkip: undefined },
    );
    assert.deepEqual(sae.transcoder!.wSkip, tensors.W_skip.data);
    const copy = join(root, 'skip-copy');
    mkdirSync(copy);
    saveExternalAsSaelens(copy, sae);
    assertSameTensors(join(dir, 'sae_weights.safetensors'), join(copy, 'sae_weights.safetensors'));
    const again = loadExternalSae(copy);
    assert.deepEqual(again.transcoder, sae.transcoder);
    assert.equal(again.k, 3);
    const cfg = JSON.parse(readFileSync(join(copy, 'cfg.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(cfg.architecture, 'skip_transcoder');
    assert.equal(cfg.hook_name_out, 'blocks.1.hook_mlp_out');
    assert.equal(cfg.d_out, dOut);
  });

  it('encode without centring, TopK then ReLU, and decode with the skip term', () => {
    const { dir, tensors } = transcoderFolder('encode', 0, { skip: true });
    const sae = loadExternalSae(dir);
    const x = random(2 * dIn, 2);
    const codes = encodeSaelens(sae, x, 2);
    const out = decodeSaelens(sae, codes, 2, x);
    const W = (name: string) => tensors[name].data;
    for (let t = 0; t < 2; t++) {
      const hidden = Array.from({ length: dSae }, (_, l) => {
        let s = W('b_enc')[l];
        for (let p = 0; p < dIn; p++) s += x[t * dIn + p] * W('W_enc')[p * dSae + l];
        return s;
      });
      const top = new Set([...hidden.keys()].sort((a, b) => hidden[b] - hidden[a]).slice(0, 3));
      const f = hidden.map((v, l) => (top.has(l) ? Math.max(0, v) : 0));
      for (let l = 0; l < dSae; l++) assert.ok(Math.abs(codes[t * dSae + l] - f[l]) < 1e-5, `code ${t},${l}`);
      for (let o = 0; o < dOut; o++) {
        let e = W('b_dec')[o];
        for (let l = 0; l < dSae; l++) e += f[l] * W('W_dec')[l * dOut + o];
        for (let p = 0; p < dIn; p++) e += x[t * dIn + p] * W('W_skip')[o * dIn + p];
        assert.ok(Math.abs(out[t * dOut + o] - e) < 1e-4, `out ${t},${o}: ${out[t * dOut + o]} vs ${e}`);
      }
    }
  });

  it('refuse bad folders with one clear error', () => {
    const cases: [string, Parameters<typeof transcoderFolder>[2], RegExp][] = [
      ['no-wdec', { drop: 'W_dec' }, /missing tensor W_dec \[9, 5\]/],
      ['dout-mismatch', { dOut: 4 }, /W_dec is \[9, 4\] but cfg\.json \(d_in=5, d_sae=9, d_out=5\) needs \[9, 5\]/],
      ['no-dout', { cfg: { d_out: undefined } }, /needs d_out/],
      ['skip-missing', { cfg: { architecture: 'skip_transcoder' } }, /skip_transcoder needs tensor W_skip \[5, 5\]/],
      [
        'skip-unnamed',
        { skip: true, cfg: { architecture: 'transcoder' } },
        /holds W_skip .* set it to skip_transcoder/,
      ],
    ];
    for (const [name, o, message] of cases) {
      const { dir } = transcoderFolder(name, 0, o);
      assert.throws(() => loadExternalSae(dir), message, name);
    }
  });
});

describe('circuit-tracer transcoder sets', () => {
  it('export then import gives identical tensors, hooks and k', () => {
    const folders = [1, 0].map((l) => transcoderFolder(`ct-src-${l}`, l, { skip: l === 1 }));
    const out = join(root, 'ct-out');
    mkdirSync(out);
    const written = writeCircuitTracerSet(
      out,
      folders.map((f) => loadExternalSae(f.dir)),
    );
    assert.equal(written.featureInputHook, 'hook_resid_mid');
    assert.equal(written.featureOutputHook, 'hook_mlp_out');
    // What circuit-tracer's loaders read: config.yaml's keys, and per layer F.linear-layout tensors.
    assert.deepEqual(parse(readFileSync(join(out, 'config.yaml'), 'utf8')), {
      model_kind: 'transcoder_set',
      model_name: 'tiny',
      feature_input_hook: 'hook_resid_mid',
      feature_output_hook: 'hook_mlp_out',
      activation: 'topk',
      k: 3,
    });
    const layer1 = readSafetensors(join(out, 'layer_1.safetensors')).tensors;
    assert.deepEqual(Object.fromEntries([...layer1].map(([name, t]) => [name, t.shape])), {
      W_enc: [dSae, dIn],
      W_dec: [dSae, dIn],
      b_enc: [dSae],
      b_dec: [dIn],
      W_skip: [dIn, dIn],
    });
    // W_enc[l, p] there is SAELens' W_enc[p, l] of the layer-1 source.
    assert.equal(layer1.get('W_enc')!.data[4 * dIn + 2], folders[0].tensors.W_enc.data[2 * dSae + 4]);
    const set = readCircuitTracerSet(out);
    assert.equal(set.modelName, 'tiny');
    assert.deepEqual(
      set.layers.map((t) => [t.hookName, t.transcoder!.hookNameOut, t.transcoder!.architecture, t.k]),
      [
        ['blocks.0.hook_resid_mid', 'blocks.0.hook_mlp_out', 'transcoder', 3],
        ['blocks.1.hook_resid_mid', 'blocks.1.hook_mlp_out', 'skip_transcoder', 3],
      ],
    );
    // Back to SAELens folders: the very tensors the sources hold.
    set.layers.forEach((t, layer) => {
      const dir = join(root, `ct-back-${layer}`);
      mkdirSync(dir);
      saveExternalAsSaelens(dir, { ...t, format: 'circuit-tracer' });
      assertSameTensors(join(root, `ct-src-${layer}`, 'sae_weights.safetensors'), join(dir, 'sae_weights.safetensors'));
    });
  });

  it('read a set written from the format spec with the right shapes and values', () => {
    const dir = join(root, 'ct-spec');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'config.yaml'),
      [
        'model_kind: transcoder_set',
        'model_name: "tiny"',
        'feature_input_hook: "ln2.hook_normalized"',
        "feature_output_hook: 'hook_mlp_out'",
        'activation: relu',
        '',
      ].join('\n'),
    );
    const d = 4;
    const width = 6;
    const layers = [0, 1].map((layer) => {
      // F.linear's layout: W_enc [d_transcoder, d_model]; W_dec [d_transcoder, d_model]; bf16 like real releases.
      const t: Record<string, TensorToWrite> = {
        W_enc: { data: random(width * d), shape: [width, d] },
        W_dec: { data: random(width * d), shape: [width, d], dtype: 'bfloat16' },
        b_enc: { data: random(width), shape: [width] },
        b_dec: { data: random(d), shape: [d] },
      };
      if (layer === 1) t.W_skip = { data: random(d * d), shape: [d, d] };
      writeSafetensors(join(dir, `layer_${layer}.safetensors`), t);
      return t;
    });
    const set = readCircuitTracerSet(dir);
    assert.equal(set.layers.length, 2);
    for (const [layer, t] of set.layers.entries()) {
      assert.deepEqual([t.dIn, t.dSae, t.transcoder!.dOut, t.architecture], [d, width, d, 'standard']);
      assert.equal(t.hookName, `blocks.${layer}.ln2.hook_normalized`);
      assert.equal(t.transcoder!.hookNameOut, `blocks.${layer}.hook_mlp_out`);
      const src = layers[layer].W_enc.data as Float32Array;
      // Our W_enc is [d_in, d_sae]: element [p, l] is circuit-tracer's [l, p].
      assert.equal(t.wEnc[2 * width + 5], src[5 * d + 2]);
      assert.equal(t.wDec.length, width * d);
      // bfloat16 keeps 8 bits of mantissa.
      const dec = layers[layer].W_dec.data as Float32Array;
      assert.ok(Math.abs(t.wDec[7] - dec[7]) <= Math.abs(dec[7]) / 128);
    }
    assert.equal(set.layers[0].transcoder!.wSkip, undefined);
    assert.deepEqual(set.layers[1].transcoder!.wSkip, layers[1].W_skip.data);
    assert.equal(set.layers[1].transcoder!.architecture, 'skip_transcoder');
  });

  it('finds layer files by name or by the transcoders list; refuses a gap, remote files and the SAELens loader', () => {
    const dir = join(root, 'ct-gap');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.yaml'), 'feature_input_hook: hook_resid_mid\nfeature_output_hook: hook_mlp_out\n');
    const t = { W_enc: { data: random(6), shape: [3, 2] }, W_dec: { data: random(6), shape: [3, 2] } };
    const vectors = { b_enc: { data: random(3), shape: [3] }, b_dec: { data: random(2), shape: [2] } };
    writeSafetensors(join(dir, 'layer_0.safetensors'), { ...t, ...vectors });
    writeSafetensors(join(dir, 'layer_2.safetensors'), { ...t, ...vectors });
    assert.throws(() => readCircuitTracerSet(dir), /layer_1\.safetensors is missing/);
    // An explicit `transcoders` list names the files, in layer order, relative to the folder; remote ones are refused.
    const hooks = 'feature_input_hook: hook_resid_mid\nfeature_output_hook: hook_mlp_out\n';
    writeFileSync(join(dir, 'config.yaml'), `${hooks}transcoders:\n  - layer_2.safetensors\n  - layer_0.safetensors\n`);
    assert.deepEqual(
      readCircuitTracerSet(dir).layers.map((t) => t.hookName),
      ['blocks.0.hook_resid_mid', 'blocks.1.hook_resid_mid'],
    );
    writeFileSync(join(dir, 'config.yaml'), `${hooks}transcoders:\n  - hf://org/repo/layer_0.safetensors\n`);
    assert.throws(
      () => readCircuitTracerSet(dir),
      /transcoders lists hf:\/\/org\/repo\/layer_0\.safetensors; download/,
    );
    assert.throws(() => loadExternalSae(dir), /circuit-tracer transcoder set .*`worker import-transcoders/);
  });
});
