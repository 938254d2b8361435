// A transcoder set for attribution: per-layer SAELens folders go to circuit-tracer's layout and back through the
// CLI unchanged, load as one set in layer order with W_enc transposed to rows, and a set missing a layer is refused.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readSafetensors, writeSafetensors } from '../formats/safetensors.js';
import { Command } from 'commander';
import { registerTranscoders } from '../cli/commands/transcoders.js';
import { Rng } from '../engine/rng.js';
import { loadTranscoderSet } from './transcoderSet.js';

const root = mkdtempSync(join(tmpdir(), 'circuits-set-'));
after(() => rmSync(root, { recursive: true, force: true }));

const d = 4;
const dSae = 7;
const rng = new Rng(3);
const random = (count: number) => Float32Array.from({ length: count }, () => rng.next() * 2 - 1);

/** `worker <args>` in this process (a child process would spend seconds starting up); returns what it printed. */
async function worker(args: string[]): Promise<string> {
  const program = new Command('worker').exitOverride();
  registerTranscoders(program);
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

/** A SAELens TopK transcoder folder for `layer`, reading resid_mid and writing mlp_out; returns its W_enc. */
function layerFolder(parent: string, layer: number, model = 'tiny'): Float32Array {
  const dir = join(parent, `tc-${layer}`);
  mkdirSync(dir, { recursive: true });
  const wEnc = random(d * dSae);
  writeSafetensors(join(dir, 'sae_weights.safetensors'), {
    W_enc: { data: wEnc, shape: [d, dSae] },
    b_enc: { data: random(dSae), shape: [dSae] },
    W_dec: { data: random(dSae * d), shape: [dSae, d] },
    b_dec: { data: random(d), shape: [d] },
  });
  writeFileSync(
    join(dir, 'cfg.json'),
    JSON.stringify({
      architecture: 'transcoder',
      d_in: d,
      d_sae: dSae,
      d_out: d,
      k: 2,
      hook_name: `blocks.${layer}.hook_resid_mid`,
      hook_name_out: `blocks.${layer}.hook_mlp_out`,
      model_name: model,
    }),
  );
  return wEnc;
}

describe('loadTranscoderSet', () => {
  const src = join(root, 'src');
  const encoders = [1, 0].map((l) => layerFolder(src, l));

  it('export-transcoders then import-transcoders gives the same tensors, and the set loads in layer order', async () => {
    const ct = join(root, 'ct');
    const back = join(root, 'back');
    const exported = await worker(['export-transcoders', src, '--out', ct]);
    assert.match(exported, /feature_input_hook hook_resid_mid, feature_output_hook hook_mlp_out/);
    assert.match(await worker(['import-transcoders', ct, '--out', back]), /wrote 2 SAELens transcoder folders/);
    await assert.rejects(worker(['import-transcoders', ct, '--out', back]), /--out .* already exists/);
    for (const layer of [0, 1]) {
      const a = readSafetensors(join(src, `tc-${layer}`, 'sae_weights.safetensors')).tensors;
      const b = readSafetensors(join(back, `layer_${layer}`, 'sae_weights.safetensors')).tensors;
      assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
      for (const [name, t] of a) assert.deepEqual(b.get(name), t, `layer ${layer} ${name}`);
    }
    for (const source of [src, ct, back]) {
      const set = loadTranscoderSet(source);
      assert.equal(set.modelId, 'tiny');
      assert.deepEqual(
        set.layers.map((t) => [t.layer, t.dIn, t.dOut, t.dSae, t.k, t.wSkip]),
        [
          [0, d, d, dSae, 2, undefined],
          [1, d, d, dSae, 2, undefined],
        ],
      );
      // wEncT[l, p] = W_enc[p, l] of the folder that was written for layer 1 (encoders[0]).
      assert.equal(set.layers[1].wEncT[5 * d + 3], encoders[0][3 * dSae + 5], source);
      assert.equal(set.layers[0].wEncT[2 * d + 1], encoders[1][1 * dSae + 2], source);
    }
  });

  it('refuses a set that misses a layer of the model', () => {
    const gappy = join(root, 'gappy');
    layerFolder(gappy, 0);
    layerFolder(gappy, 2);
    assert.throws(() => loadTranscoderSet(gappy), /no transcoder for layer 1 of the model's 3/);
    assert.throws(
      () => loadTranscoderSet([join(src, 'tc-0'), join(src, 'tc-1')], { nLayer: 4 }),
      /no transcoder for layers 2, 3 of the model's 4/,
    );
    assert.throws(() => loadTranscoderSet(join(src, 'tc-1')), /no transcoder for layer 0 of the model's 2/);
  });

  it('refuses two models, two transcoders of a layer, and an SAE', () => {
    const mixed = join(root, 'mixed');
    layerFolder(mixed, 0, 'tiny');
    layerFolder(mixed, 1, 'other');
    assert.throws(() => loadTranscoderSet(mixed), /different models \(tiny, other\)/);
    assert.throws(() => loadTranscoderSet([join(src, 'tc-0'), join(src, 'tc-0')]), /two transcoders for layer 0/);
    const sae = join(root, 'sae');
    mkdirSync(sae);
    writeSafetensors(join(sae, 'sae_weights.safetensors'), {
      W_enc: { data: random(d * dSae), shape: [d, dSae] },
      b_enc: { data: random(dSae), shape: [dSae] },
      W_dec: { data: random(dSae * d), shape: [dSae, d] },
      b_dec: { data: random(d), shape: [d] },
    });
    writeFileSync(
      join(sae, 'cfg.json'),
      JSON.stringify({ d_in: d, d_sae: dSae, hook_name: 'blocks.0.hook_resid_mid' }),
    );
    assert.throws(() => loadTranscoderSet([sae]), /is an SAE, not a transcoder/);
  });
});
