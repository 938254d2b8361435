// A small random GPT-2-layout model folder (GPT2LMHeadModel naming, with the `transformer.` prefix),
// for tests and examples that need a real folder on disk without training anything.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors, type TensorToWrite } from '../formats/safetensors.js';
import { trainBpe } from '../tokenizer/trainBpe.js';

/** Sizes of the model `writeRandomModel` writes. */
export const randomModelShape = { vocab: 300, ctx: 12, d: 16, heads: 2, mlp: 40, layers: 2, eps: 1e-5 };

/** A seeded linear congruential generator of values in [-0.5, 0.5). */
export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** Sizes of a random model folder. */
export type RandomModelShape = typeof randomModelShape;

/**
 * Write a random GPT2LMHeadModel-style folder (with the `transformer.` prefix) and return its path; `shape` gives
 * other sizes (the steering bench writes a GPT-2-small shape), scaled down by 1/sqrt(d) past the default width so
 * activations stay finite.
 */
export function writeRandomModel(
  dir = mkdtempSync(join(tmpdir(), 'gpt2-')),
  shape: RandomModelShape = randomModelShape,
): string {
  const r = rng(7);
  const wide = Math.sqrt(randomModelShape.d / shape.d);
  const t = (dims: number[], scale = 0.5, offset = 0): TensorToWrite => ({
    data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => offset + scale * r()),
    shape: dims,
  });
  const { d, mlp } = shape;
  const tensors: Record<string, TensorToWrite> = {
    'transformer.wte.weight': t([shape.vocab, d], 1),
    'transformer.wpe.weight': t([shape.ctx, d], 0.5),
    'transformer.ln_f.weight': t([d], 0.4, 1),
    'transformer.ln_f.bias': t([d], 0.2),
  };
  for (let l = 0; l < shape.layers; l++) {
    const p = `transformer.h.${l}.`;
    Object.assign(tensors, {
      [`${p}ln_1.weight`]: t([d], 0.4, 1),
      [`${p}ln_1.bias`]: t([d], 0.2),
      [`${p}attn.c_attn.weight`]: t([d, 3 * d], 0.8 * wide),
      [`${p}attn.c_attn.bias`]: t([3 * d], 0.2),
      [`${p}attn.c_proj.weight`]: t([d, d], 0.5 * wide),
      [`${p}attn.c_proj.bias`]: t([d], 0.2),
      [`${p}ln_2.weight`]: t([d], 0.4, 1),
      [`${p}ln_2.bias`]: t([d], 0.2),
      [`${p}mlp.c_fc.weight`]: t([d, mlp], 0.8 * wide),
      [`${p}mlp.c_fc.bias`]: t([mlp], 0.2),
      [`${p}mlp.c_proj.weight`]: t([mlp, d], 0.5 * wide),
      [`${p}mlp.c_proj.bias`]: t([d], 0.2),
    });
  }
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'gpt2',
      vocab_size: shape.vocab,
      n_positions: shape.ctx,
      n_embd: d,
      n_layer: shape.layers,
      n_head: shape.heads,
      n_inner: mlp,
      activation_function: 'gelu_new',
      layer_norm_epsilon: shape.eps,
    }),
  );
  const tok = trainBpe(['the cat sat on the mat, the end'], { vocabSize: 270 });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.toJSON()));
  return dir;
}
