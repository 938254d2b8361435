// The Llama and GPT-NeoX families on the onnxruntime runner against a second implementation written here with plain
// loops in float64 from transformers' modeling code (LlamaForCausalLM, GPTNeoXForCausalLM): every hook and the
// logits of one sequence, for GQA, Qwen2 biases, Llama 3 rope scaling with tied embeddings, partial rotary, and
// parallel and sequential residuals; each checkpoint layout (one file, shards, float16, bfloat16); the cache; and
// one message per bad folder.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeSafetensors } from '../formats/safetensors.js';
import { parseModelConfig } from './config.js';
import { hookRunner } from './hookRunner.js';
import { hookKinds, hookWidth, parseHook } from './hooks.js';
import { gpt2Model, loadModel } from './modelFolder.js';
import { writeRandomModelFolder, type RandomFolder, type RandomModelType } from './randomModelFolder.js';
import { tfjsHookRunner } from './tfjsHookRunner.js';

const scratch = mkdtempSync(join(tmpdir(), 'families-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let serial = 0;
const folder = () => join(scratch, `m${serial++}`);

const sizes = { vocab: 300, ctx: 32, d: 32, heads: 4, mlp: 40, layers: 2 };
const ids = [5, 17, 260, 3, 99, 42, 7];

type Vec = number[];

/** y = W x (+ b) for W [out, in] row-major. */
function matVec(w: Float32Array, x: Vec, out: number, b?: Float32Array): Vec {
  const n = x.length;
  return Array.from({ length: out }, (_, o) => {
    let s = b ? b[o] : 0;
    for (let i = 0; i < n; i++) s += w[o * n + i] * x[i];
    return s;
  });
}
const add = (a: Vec, b: Vec) => a.map((v, i) => v + b[i]);
function rmsNorm(x: Vec, g: Float32Array, eps: number): Vec {
  const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
  return x.map((v, i) => (v / Math.sqrt(ms + eps)) * g[i]);
}
function layerNorm(x: Vec, g: Float32Array, b: Float32Array, eps: number): Vec {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]);
}
/** erf by its Maclaurin series (|x| < 3) or continued fraction: ~1e-12 here, far below the tolerance. */
function erf(x: number): number {
  if (Math.abs(x) > 3) return Math.sign(x) * (1 - erfcLarge(Math.abs(x)));
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
function erfcLarge(x: number): number {
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}
const gelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
const silu = (v: number) => v / (1 + Math.exp(-v));

/** transformers' default and llama3 inverse frequencies, in float64. */
function invFreqs(dims: number, base: number, scaling?: Record<string, number>): Vec {
  const inv = Array.from({ length: dims / 2 }, (_, i) => base ** (-(2 * i) / dims));
  if (!scaling) return inv;
  const old = scaling.original_max_position_embeddings;
  const lowWavelen = old / scaling.low_freq_factor;
  const highWavelen = old / scaling.high_freq_factor;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) return f;
    if (wavelen > lowWavelen) return f / scaling.factor;
    const smooth = (old / wavelen - scaling.low_freq_factor) / (scaling.high_freq_factor - scaling.low_freq_factor);
    return (1 - smooth) * (f / scaling.factor) + smooth * f;
  });
}

/** rotate_half on the first `dims` of a head vector at position t. */
function rope(x: Vec, t: number, inv: Vec): Vec {
  const half = inv.length;
  const out = [...x];
  for (let i = 0; i < half; i++) {
    const c = Math.cos(t * inv[i]);
    const s = Math.sin(t * inv[i]);
    out[i] = x[i] * c - x[i + half] * s;
    out[i + half] = x[i + half] * c + x[i] * s;
  }
  return out;
}

/** Causal attention over rows: q[t] (nHead heads), k/v[t] (nKv heads); head h reads kv head ⌊h / (nHead / nKv)⌋. */
function attend(
  q: Vec[],
  k: Vec[],
  v: Vec[],
  nHead: number,
  nKv: number,
  dh: number,
  scale = 1 / Math.sqrt(dh),
  cap?: number,
): Vec[] {
  // prettier-ignore
  return q.map((qt, t) => {
    const z: Vec = [];
    for (let h = 0; h < nHead; h++) {
      const kh = Math.floor(h / (nHead / nKv));
      const scores = Array.from({ length: t + 1 }, (_, s) => {
        let dot = 0;
        for (let i = 0; i < dh; i++) dot += qt[h * dh + i] * k[s][kh * dh + i];
        return cap ? cap * Math.tanh((dot * scale) / cap) : dot * scale;
      });
      const m = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - m));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let i = 0; i < dh; i++) z.push(e.reduce((acc, p, s) => acc + (p / sum) * v[s][kh * dh + i], 0));
    }
    return z;
  });
}

interface Reference {
  hooks: Record<string, Vec[]>;
  logits: Vec[];
}

/** The Llama-family forward (LlamaDecoderLayer) on one sequence. */
function llamaReference(m: RandomFolder): Reference {
  const c = m.config as Record<string, number & Record<string, number>>;
  const w = (n: string) => m.tensors.get(n)?.data;
  const W = (n: string) => w(n)!;
  const d = c.hidden_size;
  const nHead = c.num_attention_heads;
  const nKv = c.num_key_value_heads;
  const dh = d / nHead;
  const inv = invFreqs(dh, c.rope_theta, c.rope_scaling);
  const hooks: Record<string, Vec[]> = {};
  const rec = (l: number, k: string, rows: Vec[]) => (hooks[`blocks.${l}.${k}`] = rows);
  let x = ids.map((id) => Array.from(W('model.embed_tokens.weight').subarray(id * d, (id + 1) * d)));
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    rec(l, 'hook_resid_pre', x);
    const h = x.map((r) => rmsNorm(r, W(`${p}input_layernorm.weight`), c.rms_norm_eps));
    const perHead = (r: Vec, heads: number, t: number) =>
      Array.from({ length: heads }, (_, hh) => rope(r.slice(hh * dh, (hh + 1) * dh), t, inv)).flat();
    const q = h.map((r, t) => perHead(matVec(W(`${p}self_attn.q_proj.weight`), r, d, w(`${p}self_attn.q_proj.bias`)), nHead, t)); // prettier-ignore
    const k = h.map((r, t) => perHead(matVec(W(`${p}self_attn.k_proj.weight`), r, nKv * dh, w(`${p}self_attn.k_proj.bias`)), nKv, t)); // prettier-ignore
    const v = h.map((r) => matVec(W(`${p}self_attn.v_proj.weight`), r, nKv * dh, w(`${p}self_attn.v_proj.bias`)));
    const z = rec(l, 'attn.hook_z', attend(q, k, v, nHead, nKv, dh));
    const attnOut = rec(l, 'hook_attn_out', z.map((r) => matVec(W(`${p}self_attn.o_proj.weight`), r, d, w(`${p}self_attn.o_proj.bias`)))); // prettier-ignore
    const mid = rec(
      l,
      'hook_resid_mid',
      x.map((r, t) => add(r, attnOut[t])),
    );
    const h2 = rec(l, 'ln2.hook_normalized', mid.map((r) => rmsNorm(r, W(`${p}post_attention_layernorm.weight`), c.rms_norm_eps))); // prettier-ignore
    const gate = rec(
      l,
      'mlp.hook_pre',
      h2.map((r) => matVec(W(`${p}mlp.gate_proj.weight`), r, c.intermediate_size)),
    );
    const up = rec(l, 'mlp.hook_pre_linear', h2.map((r) => matVec(W(`${p}mlp.up_proj.weight`), r, c.intermediate_size))); // prettier-ignore
    const post = rec(
      l,
      'mlp.hook_post',
      gate.map((r, t) => r.map((g, i) => silu(g) * up[t][i])),
    );
    const mlpOut = rec(
      l,
      'hook_mlp_out',
      post.map((r) => matVec(W(`${p}mlp.down_proj.weight`), r, d)),
    );
    x = rec(
      l,
      'hook_resid_post',
      mid.map((r, t) => add(r, mlpOut[t])),
    );
  }
  const head = c.tie_word_embeddings ? W('model.embed_tokens.weight') : W('lm_head.weight');
  const logits = x.map((r) => matVec(head, rmsNorm(r, W('model.norm.weight'), c.rms_norm_eps), c.vocab_size));
  return { hooks, logits };
}

/** The GPT-NeoX forward (GPTNeoXLayer) on one sequence. */
function neoxReference(m: RandomFolder): Reference {
  const c = m.config as Record<string, number & boolean>;
  const W = (n: string) => m.tensors.get(n)!.data;
  const d = c.hidden_size;
  const nHead = c.num_attention_heads;
  const dh = d / nHead;
  const rot = Math.floor(dh * c.rotary_pct);
  const inv = invFreqs(rot, c.rotary_emb_base);
  const eps = c.layer_norm_eps;
  const hooks: Record<string, Vec[]> = {};
  const rec = (l: number, k: string, rows: Vec[]) => (hooks[`blocks.${l}.${k}`] = rows);
  const ln = (r: Vec, n: string) => layerNorm(r, W(`${n}.weight`), W(`${n}.bias`), eps);
  let x = ids.map((id) => Array.from(W('gpt_neox.embed_in.weight').subarray(id * d, (id + 1) * d)));
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `gpt_neox.layers.${l}.`;
    rec(l, 'hook_resid_pre', x);
    const qkv = x.map((r) => matVec(W(`${p}attention.query_key_value.weight`), ln(r, `${p}input_layernorm`), 3 * d, W(`${p}attention.query_key_value.bias`))); // prettier-ignore
    // Rows of query_key_value per head: q (dh), k (dh), v (dh).
    const part = (r: Vec, which: number, t: number | null) =>
      Array.from({ length: nHead }, (_, hh) => {
        const head = r.slice(hh * 3 * dh + which * dh, hh * 3 * dh + (which + 1) * dh);
        return t === null ? head : [...rope(head.slice(0, rot), t, inv), ...head.slice(rot)];
      }).flat();
    const z = rec(l, 'attn.hook_z', attend(qkv.map((r, t) => part(r, 0, t)), qkv.map((r, t) => part(r, 1, t)), qkv.map((r) => part(r, 2, null)), nHead, nHead, dh)); // prettier-ignore
    const attnOut = rec(l, 'hook_attn_out', z.map((r) => matVec(W(`${p}attention.dense.weight`), r, d, W(`${p}attention.dense.bias`)))); // prettier-ignore
    const mlpIn = c.use_parallel_residual
      ? x
      : rec(
          l,
          'hook_resid_mid',
          x.map((r, t) => add(r, attnOut[t])),
        );
    const h2 = rec(
      l,
      'ln2.hook_normalized',
      mlpIn.map((r) => ln(r, `${p}post_attention_layernorm`)),
    );
    const pre = rec(l, 'mlp.hook_pre', h2.map((r) => matVec(W(`${p}mlp.dense_h_to_4h.weight`), r, c.intermediate_size, W(`${p}mlp.dense_h_to_4h.bias`)))); // prettier-ignore
    const post = rec(
      l,
      'mlp.hook_post',
      pre.map((r) => r.map(gelu)),
    );
    const mlpOut = rec(l, 'hook_mlp_out', post.map((r) => matVec(W(`${p}mlp.dense_4h_to_h.weight`), r, d, W(`${p}mlp.dense_4h_to_h.bias`)))); // prettier-ignore
    // Parallel: x + attn(ln1(x)) + mlp(ln2(x)); sequential: (x + attn) + mlp(ln2(x + attn)). The sums agree.
    x = rec(
      l,
      'hook_resid_post',
      x.map((r, t) => add(add(r, attnOut[t]), mlpOut[t])),
    );
  }
  const logits = x.map((r) => matVec(W('embed_out.weight'), ln(r, 'gpt_neox.final_layer_norm'), c.vocab_size));
  return { hooks, logits };
}

const geluTanh = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

/** The Gemma 2 forward (Gemma2DecoderLayer) on one sequence. */
function gemma2Reference(m: RandomFolder): Reference {
  const c = m.config as Record<string, number>;
  const W = (n: string) => m.tensors.get(n)!.data;
  const gain = (n: string) => W(n).map((x) => 1 + x);
  const d = c.hidden_size;
  const nHead = c.num_attention_heads;
  const nKv = c.num_key_value_heads;
  const dh = c.head_dim;
  const eps = c.rms_norm_eps;
  const inv = invFreqs(dh, c.rope_theta);
  const hooks: Record<string, Vec[]> = {};
  const rec = (l: number, k: string, rows: Vec[]) => (hooks[`blocks.${l}.${k}`] = rows);
  let x = ids.map((id) => Array.from(W('model.embed_tokens.weight').subarray(id * d, (id + 1) * d), (v) => v * Math.sqrt(d))); // prettier-ignore
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    rec(l, 'hook_resid_pre', x);
    const h = x.map((r) => rmsNorm(r, gain(`${p}input_layernorm.weight`), eps));
    const perHead = (r: Vec, heads: number, t: number) =>
      Array.from({ length: heads }, (_, hh) => rope(r.slice(hh * dh, (hh + 1) * dh), t, inv)).flat();
    const q = h.map((r, t) => perHead(matVec(W(`${p}self_attn.q_proj.weight`), r, nHead * dh), nHead, t));
    const k = h.map((r, t) => perHead(matVec(W(`${p}self_attn.k_proj.weight`), r, nKv * dh), nKv, t));
    const v = h.map((r) => matVec(W(`${p}self_attn.v_proj.weight`), r, nKv * dh));
    const z = rec(l, 'attn.hook_z', attend(q, k, v, nHead, nKv, dh, c.query_pre_attn_scalar ** -0.5, c.attn_logit_softcapping)); // prettier-ignore
    const attnOut = rec(l, 'hook_attn_out', z.map((r) => rmsNorm(matVec(W(`${p}self_attn.o_proj.weight`), r, d), gain(`${p}post_attention_layernorm.weight`), eps))); // prettier-ignore
    const mid = rec(
      l,
      'hook_resid_mid',
      x.map((r, t) => add(r, attnOut[t])),
    );
    const h2 = rec(l, 'ln2.hook_normalized', mid.map((r) => rmsNorm(r, gain(`${p}pre_feedforward_layernorm.weight`), eps))); // prettier-ignore
    const gate = rec(
      l,
      'mlp.hook_pre',
      h2.map((r) => matVec(W(`${p}mlp.gate_proj.weight`), r, c.intermediate_size)),
    );
    const up = rec(l, 'mlp.hook_pre_linear', h2.map((r) => matVec(W(`${p}mlp.up_proj.weight`), r, c.intermediate_size))); // prettier-ignore
    const post = rec(
      l,
      'mlp.hook_post',
      gate.map((r, t) => r.map((g, i) => geluTanh(g) * up[t][i])),
    );
    const mlpOut = rec(l, 'hook_mlp_out', post.map((r) => rmsNorm(matVec(W(`${p}mlp.down_proj.weight`), r, d), gain(`${p}post_feedforward_layernorm.weight`), eps))); // prettier-ignore
    x = rec(
      l,
      'hook_resid_post',
      mid.map((r, t) => add(r, mlpOut[t])),
    );
  }
  const cap = c.final_logit_softcapping;
  const logits = x.map((r) => matVec(W('model.embed_tokens.weight'), rmsNorm(r, gain('model.norm.weight'), eps), c.vocab_size).map((v) => cap * Math.tanh(v / cap))); // prettier-ignore
  return { hooks, logits };
}

/** max|a − b| / max|b| over a tensor. */
function relativeDifference(a: Float32Array, b: Vec[]): number {
  const flat = b.flat();
  assert.equal(a.length, flat.length, 'sizes');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - flat[i]));
    scale = Math.max(scale, Math.abs(flat[i]));
  }
  return diff / scale;
}

/** Every hook the model has and the logits, on the runner, each within 1e-4 of the reference. */
async function assertAgrees(m: RandomFolder, ref: Reference, label: string) {
  const model = await loadModel(m.dir);
  const runner = await hookRunner(model);
  const hooks = Array.from({ length: model.config.nLayer }, (_, l) => hookKinds(model.config).map((k) => `blocks.${l}.${k}`)).flat(); // prettier-ignore
  assert.deepEqual(
    hooks.filter((h) => !(h in ref.hooks)),
    [],
    `${label}: the reference names every hook`,
  );
  const out = await runner.run(Int32Array.from(ids), 1, ids.length, { hooks, logits: true });
  for (const h of hooks) {
    assert.equal(out.hooks[h].length, ids.length * hookWidth(parseHook(h, model.config), model.config), `${label} ${h} width`); // prettier-ignore
    const r = relativeDifference(out.hooks[h], ref.hooks[h]);
    assert.ok(r <= 1e-4, `${label}: ${h} differs by ${r} (relative)`);
  }
  const r = relativeDifference(out.logits!, ref.logits);
  assert.ok(r <= 1e-4, `${label}: logits differ by ${r} (relative)`);
  return { model, runner, out };
}

const llama3Scaling = {
  rope_type: 'llama3',
  factor: 8,
  low_freq_factor: 1,
  high_freq_factor: 4,
  original_max_position_embeddings: 16,
};
const cases: {
  label: string;
  type: RandomModelType;
  kvHeads?: number;
  headDim?: number;
  config?: Record<string, unknown>;
}[] = [
  // prettier-ignore
  { label: 'llama, GQA 4/2, untied', type: 'llama', kvHeads: 2 },
  { label: 'qwen2 (q/k/v biases), GQA 4/1', type: 'qwen2', kvHeads: 1 },
  { label: 'llama 3 rope_theta 500000 + llama3 rope_scaling, tied, attention_bias', type: 'llama', config: { rope_theta: 500000, rope_scaling: llama3Scaling, tie_word_embeddings: true, attention_bias: true } }, // prettier-ignore
  { label: 'gpt_neox, parallel residual, rotary_pct 0.25', type: 'gpt_neox' },
  { label: 'gpt_neox, sequential residual, rotary_pct 0.5', type: 'gpt_neox', config: { use_parallel_residual: false, rotary_pct: 0.5 } }, // prettier-ignore
  { label: 'gemma2, head_dim 12 ≠ d/heads, GQA 4/2, soft-capping that bites', type: 'gemma2', kvHeads: 2, headDim: 12, config: { attn_logit_softcapping: 2, final_logit_softcapping: 3, query_pre_attn_scalar: 10 } }, // prettier-ignore
];
for (const c of cases)
  test(`${c.label}: every hook and the logits agree with a float64 reference`, async () => {
    const m = writeRandomModelFolder(folder(), c.type, { ...sizes, kvHeads: c.kvHeads, headDim: c.headDim }, { seed: serial, config: c.config }); // prettier-ignore
    const ref = c.type === 'gpt_neox' ? neoxReference(m) : c.type === 'gemma2' ? gemma2Reference(m) : llamaReference(m);
    const { runner } = await assertAgrees(m, ref, c.label);
    runner.dispose();
  });

test('one file, 3 shards, float16 and bfloat16 checkpoints load and agree with the reference of their stored weights', async () => {
  let single: Float32Array | undefined;
  for (const layout of [{}, { shards: 3 }, { dtype: 'float16' }, { dtype: 'bfloat16' }] as const) {
    const m = writeRandomModelFolder(folder(), 'llama', { ...sizes, kvHeads: 2 }, { seed: 42, ...layout });
    const { out, runner } = await assertAgrees(m, llamaReference(m), JSON.stringify(layout));
    runner.dispose();
    if (!('dtype' in layout)) {
      // Same seed, same float32 weights: sharding changes nothing, bit for bit.
      if (single) assert.deepEqual(out.logits, single, 'sharded equals one file');
      single = out.logits;
    } else assert.notDeepEqual(out.logits, single, `${layout.dtype} rounding shows in the logits`);
  }
});

for (const [type, headDim] of [
  ['llama', 8],
  ['gemma2', 12],
] as const)
  test(`${type}: feed, add, last-row logits and the key/value cache behave as on GPT-2`, async () => {
    const m = writeRandomModelFolder(folder(), type, { ...sizes, kvHeads: 2, headDim }, { seed: 3 });
    const model = await loadModel(m.dir);
    const runner = await hookRunner(model);
    assert.ok(runner.supportsKeyValueCache);
    const seq = ids.length;
    const input = Int32Array.from(ids);
    const vocab = sizes.vocab;
    const full = await runner.run(input, 1, seq, { logits: true, hooks: ['blocks.1.mlp.hook_post'] });
    const fed = await runner.run(input, 1, seq, { logits: true, feed: { 'blocks.1.mlp.hook_post': full.hooks['blocks.1.mlp.hook_post'] } }); // prettier-ignore
    assert.ok(relativeDifference(fed.logits!, [Array.from(full.logits!)]) < 1e-6, 'a hook fed its own values');
    const term = new Float32Array(seq * sizes.d).fill(0.5);
    const added = await runner.run(input, 1, seq, { logits: true, add: { 'blocks.0.hook_resid_post': term } });
    assert.ok(relativeDifference(added.logits!, [Array.from(full.logits!)]) > 1e-3, 'an added term moves the logits');
    const last = await runner.run(input, 1, seq, { logits: true, lastRowLogits: true });
    assert.ok(relativeDifference(last.logits!, [Array.from(full.logits!.subarray((seq - 1) * vocab))]) < 1e-6);
    // The prompt less its last token, then that token from the cache: the full pass's last row.
    const prefix = await runner.run(input.subarray(0, seq - 1), 1, seq - 1, { logits: true, keyValues: true });
    assert.equal(prefix.keyValues!.keys[0].length, (seq - 1) * 2 * headDim, 'keys are kvHeads·dHead wide');
    const step = await runner.run(input.subarray(seq - 1), 1, 1, { logits: true, past: prefix.keyValues });
    assert.ok(relativeDifference(step.logits!, [Array.from(full.logits!.subarray((seq - 1) * vocab))]) < 1e-5, 'cached step'); // prettier-ignore
    assert.equal(step.keyValues!.length, seq);
    runner.dispose();
  });

/** Rewrite a safetensors file's type code for one tensor (same bytes): types writeSafetensors does not write. */
function retype(path: string, name: string, code: string): void {
  const file = readFileSync(path);
  const length = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + length).toString('utf8')) as Record<string, { dtype: string }>;
  header[name].dtype = code;
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([prefix, json, file.subarray(8 + length)]));
}

test('bad folders and hooks get one clear message each', async () => {
  const llama = () => writeRandomModelFolder(folder(), 'llama', sizes, { seed: 5, shards: 2 });
  // a missing shard: named with a tensor the index maps to it
  const a = llama();
  unlinkSync(join(a.dir, 'model-00002-of-00002.safetensors'));
  await assert.rejects(loadModel(a.dir), /shard model-00002-of-00002\.safetensors is missing \(model\.safetensors\.index\.json maps tensor '[^']+' to it\)/); // prettier-ignore
  // a weight stored as int32, and one as float64 (a dtype safetensors files here never hold)
  const b = writeRandomModelFolder(folder(), 'llama', sizes, { seed: 5 });
  const tensors = Object.fromEntries([...b.tensors].map(([k, t]) => [k, { ...t, dtype: k === 'model.norm.weight' ? ('int32' as const) : ('float32' as const) }])); // prettier-ignore
  writeSafetensors(join(b.dir, 'model.safetensors'), tensors);
  await assert.rejects(loadModel(b.dir), /tensor 'model\.norm\.weight' is stored as int32; weights must be float32, float16 or bfloat16/); // prettier-ignore
  // float64: written as int64 (8 bytes each), then the header's type code changed
  writeSafetensors(join(b.dir, 'model.safetensors'), { ...tensors, 'model.norm.weight': { ...tensors['model.norm.weight'], dtype: 'int64' } }); // prettier-ignore
  retype(join(b.dir, 'model.safetensors'), 'model.norm.weight', 'F64');
  await assert.rejects(loadModel(b.dir), /tensor 'model\.norm\.weight' is stored as F64; weights must be float32, float16 or bfloat16/); // prettier-ignore
  // a BOOL buffer that is not a weight (older GPT-NeoX checkpoints' attention.bias) does not stop a load
  const n = writeRandomModelFolder(folder(), 'gpt_neox', sizes, { seed: 6 });
  writeSafetensors(join(n.dir, 'model.safetensors'), { ...Object.fromEntries(n.tensors), 'gpt_neox.layers.0.attention.bias': { data: [1, 0, 1, 1], shape: [1, 1, 2, 2], dtype: 'uint8' } }); // prettier-ignore
  retype(join(n.dir, 'model.safetensors'), 'gpt_neox.layers.0.attention.bias', 'BOOL');
  await loadModel(n.dir);
  // unknown model_type, unsupported rope scaling
  const c = writeRandomModelFolder(folder(), 'llama', sizes, { config: { model_type: 'mamba' } });
  await assert.rejects(loadModel(c.dir), /model_type 'mamba' is not supported; supported: gpt2, llama, mistral, qwen2, gpt_neox, gemma2$/); // prettier-ignore
  const y = writeRandomModelFolder(folder(), 'llama', sizes, { config: { rope_scaling: { rope_type: 'yarn', factor: 4 } } }); // prettier-ignore
  await assert.rejects(loadModel(y.dir), /rope_scaling type 'yarn' is not supported; supported: none, 'default', 'llama3'/); // prettier-ignore
  // missing tensor, wrong shape (the config says other sizes than the weights)
  const e = writeRandomModelFolder(folder(), 'qwen2', sizes, { config: { model_type: 'llama' } });
  const noBias = Object.fromEntries([...e.tensors].filter(([k]) => !k.endsWith('.bias')));
  writeSafetensors(join(e.dir, 'model.safetensors'), noBias);
  writeFileSync(join(e.dir, 'config.json'), JSON.stringify({ ...e.config, model_type: 'qwen2' }));
  await assert.rejects(loadModel(e.dir), /no tensor 'model\.layers\.0\.self_attn\.q_proj\.bias'/);
  const f = writeRandomModelFolder(folder(), 'gpt_neox', sizes);
  writeFileSync(join(f.dir, 'config.json'), JSON.stringify({ ...f.config, intermediate_size: 48 }));
  await assert.rejects(loadModel(f.dir), /'gpt_neox\.layers\.0\.mlp\.dense_h_to_4h\.weight' is \[40, 32\] but config\.json implies \[48, 32\]/); // prettier-ignore
  // hooks: out of range, an up projection outside SwiGLU, resid_mid of a parallel-residual model
  const neox = await loadModel(writeRandomModelFolder(folder(), 'gpt_neox', sizes).dir);
  assert.throws(() => parseHook('blocks.2.hook_resid_pre', neox.config), /the model has 2 layer\(s\)/);
  assert.throws(() => parseHook('blocks.0.mlp.hook_pre_linear', neox.config), /is not a hook point/);
  assert.throws(() => parseHook('blocks.0.hook_resid_mid', neox.config), /in parallel \(use_parallel_residual\), so it has no hook_resid_mid/); // prettier-ignore
  // GPT-2-only code refuses the other families by name
  assert.throws(
    () => gpt2Model(neox, 'training'),
    /training handles GPT-2-layout models only, and this is a neox model/,
  );
  assert.throws(() => tfjsHookRunner(neox), /the TensorFlow\.js runner .* handles GPT-2-layout models only/);
});

test('config.json fields read as transformers reads them', () => {
  const llama = { model_type: 'llama', vocab_size: 300, hidden_size: 32, intermediate_size: 40, num_hidden_layers: 2, num_attention_heads: 4 }; // prettier-ignore
  const plain = parseModelConfig(llama);
  assert.ok(plain.family === 'llama');
  // transformers' LlamaConfig defaults: MHA, eps 1e-6, theta 10000, untied, 2048 positions, no biases
  assert.deepEqual(
    [plain.nKvHead, plain.rmsNormEps, plain.ropeTheta, plain.tieWordEmbeddings, plain.nPositions, plain.qkvBias, plain.outBias], // prettier-ignore
    [4, 1e-6, 10000, false, 2048, false, false],
  );
  const biased = parseModelConfig({ ...llama, attention_bias: true });
  assert.ok(biased.family === 'llama' && biased.qkvBias && biased.outBias, 'llama attention_bias: q, k, v and o');
  const qwen = parseModelConfig({ ...llama, model_type: 'qwen2', sliding_window: 8 });
  assert.ok(qwen.family === 'llama' && qwen.qkvBias && !qwen.outBias, 'qwen2: q, k, v biases only');
  assert.equal(qwen.nPositions, 2048, "qwen2's sliding window is off unless use_sliding_window");
  const mistral = parseModelConfig({
    ...llama,
    model_type: 'mistral',
    max_position_embeddings: 64,
    sliding_window: 16,
  });
  assert.equal(mistral.nPositions, 16, "windows stay within Mistral's sliding window");
  assert.throws(() => parseModelConfig({ ...llama, head_dim: 16 }), /head_dim 16 differs from hidden_size \/ num_attention_heads = 8/); // prettier-ignore
  assert.throws(
    () => parseModelConfig({ ...llama, num_key_value_heads: 3 }),
    /not a multiple of num_key_value_heads 3/,
  );
  assert.throws(() => parseModelConfig({ ...llama, hidden_act: 'gelu' }), /hidden_act 'gelu' is not supported/);
  const neox = { model_type: 'gpt_neox', vocab_size: 300, hidden_size: 32, intermediate_size: 40, num_hidden_layers: 2, num_attention_heads: 4 }; // prettier-ignore
  const pythia = parseModelConfig(neox);
  assert.ok(pythia.family === 'neox');
  assert.deepEqual([pythia.rotaryDims, pythia.ropeTheta, pythia.parallelResidual], [2, 10000, true]);
  const newer = parseModelConfig({ ...neox, partial_rotary_factor: 0.5, rope_theta: 1000 });
  assert.ok(newer.family === 'neox' && newer.rotaryDims === 4 && newer.ropeTheta === 1000);
  // folders the atlas wrote before model_type existed are GPT-2
  const gpt2 = parseModelConfig({ vocab_size: 300, n_positions: 12, n_embd: 16, n_layer: 2, n_head: 2 });
  assert.equal(gpt2.family, 'gpt2');
});
