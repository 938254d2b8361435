// The TF.js forward pass against a naive GPT-2 written here with plain loops over the safetensors
// arrays: a different code path (no TF.js, no shared helpers) reading the same files.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { after, test } from 'node:test';
import { readSafetensors } from '../formats/safetensors.js';
import { disposeResult, forwardTidy } from './gpt2.js';
import { disposeModel, loadGpt2Model, loadModel } from './modelFolder.js';
import { hookRunner } from './hookRunner.js';
import { tfjsHookRunner } from './tfjsHookRunner.js';
import { hookKinds } from './hooks.js';
import { MAX_SESSIONS, OnnxForward } from './onnxForward.js';
import { randomModelShape as cfg, writeRandomModel } from './randomModel.js';
import { initTfjs, tf } from './runtime.js';

// Every file a test writes lives under one folder, removed when the file's tests end.
const scratch = mkdtempSync(join(tmpdir(), 'atlas-gpt2-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** GPT-2 by the book, one token at a time: returns logits [seq][vocab] and named activations [seq][width]. */
function naiveGpt2(dir: string, ids: number[]) {
  const w = readSafetensors(join(dir, 'model.safetensors')).tensors;
  const W = (n: string) => w.get(`transformer.${n}`)!.data;
  const { d, heads, mlp, eps } = cfg;
  const dh = d / heads;
  const ln = (x: number[], g: Float32Array, b: Float32Array) => {
    const m = x.reduce((a, v) => a + v, 0) / x.length;
    const v = x.reduce((a, u) => a + (u - m) ** 2, 0) / x.length;
    return x.map((u, i) => ((u - m) / Math.sqrt(v + eps)) * g[i] + b[i]);
  };
  const conv1d = (x: number[], wt: Float32Array, b: Float32Array, nOut: number) => {
    const out: number[] = [];
    for (let o = 0; o < nOut; o++) {
      let s = b[o];
      for (let i = 0; i < x.length; i++) s += x[i] * wt[i * nOut + o];
      out.push(s);
    }
    return out;
  };
  const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  const acts: Record<string, number[][]> = {};
  const rec = (name: string, t: number, v: number[]) => ((acts[name] ??= [])[t] = v);
  let resid = ids.map((id, t) =>
    Array.from({ length: d }, (_, i) => W('wte.weight')[id * d + i] + W('wpe.weight')[t * d + i]),
  );
  for (let l = 0; l < cfg.layers; l++) {
    const p = `h.${l}.`;
    const qkv = resid.map((x, t) => {
      rec(`blocks.${l}.hook_resid_pre`, t, x);
      return conv1d(
        ln(x, W(p + 'ln_1.weight'), W(p + 'ln_1.bias')),
        W(p + 'attn.c_attn.weight'),
        W(p + 'attn.c_attn.bias'),
        3 * d,
      );
    });
    resid = resid.map((x, t) => {
      const z: number[] = [];
      for (let h = 0; h < heads; h++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let i = 0; i < dh; i++) dot += qkv[t][h * dh + i] * qkv[s][d + h * dh + i];
          scores.push(dot / Math.sqrt(dh));
        }
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let i = 0; i < dh; i++) z.push(e.reduce((a, ei, s) => a + (ei / sum) * qkv[s][2 * d + h * dh + i], 0));
      }
      const attnOut = conv1d(z, W(p + 'attn.c_proj.weight'), W(p + 'attn.c_proj.bias'), d);
      rec(`blocks.${l}.hook_attn_out`, t, attnOut);
      const mid = x.map((u, i) => u + attnOut[i]);
      const normalized = ln(mid, W(p + 'ln_2.weight'), W(p + 'ln_2.bias'));
      rec(`blocks.${l}.ln2.hook_normalized`, t, normalized);
      const pre = conv1d(normalized, W(p + 'mlp.c_fc.weight'), W(p + 'mlp.c_fc.bias'), mlp);
      const post = pre.map(gelu);
      rec(`blocks.${l}.mlp.hook_post`, t, post);
      const mlpOut = conv1d(post, W(p + 'mlp.c_proj.weight'), W(p + 'mlp.c_proj.bias'), d);
      rec(`blocks.${l}.hook_mlp_out`, t, mlpOut);
      const out = mid.map((u, i) => u + mlpOut[i]);
      rec(`blocks.${l}.hook_resid_post`, t, out);
      return out;
    });
  }
  const logits = resid.map((x) => {
    const f = ln(x, W('ln_f.weight'), W('ln_f.bias'));
    return Array.from({ length: cfg.vocab }, (_, v) => f.reduce((a, u, i) => a + u * W('wte.weight')[v * d + i], 0));
  });
  return { logits, acts };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 2e-4) {
  assert.equal(actual.length, expected.length, what);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  assert.ok(worst < tol, `${what}: worst relative error ${worst}`);
}

test('TF.js forward pass matches a naive GPT-2 on logits and every hook, batched', async () => {
  await initTfjs();
  const dir = writeRandomModel(mkdtempSync(join(scratch, 'gpt2-')));
  const model = await loadGpt2Model(dir, 'this test');
  const batch = [
    [5, 17, 260, 3, 99, 42, 7, 7, 0, 299],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  ];
  const hooks = ['0', '1'].flatMap((l) =>
    ['hook_resid_pre', 'hook_attn_out', 'ln2.hook_normalized', 'mlp.hook_post', 'hook_mlp_out', 'hook_resid_post'].map(
      (k) => `blocks.${l}.${k}`,
    ),
  );
  const out = forwardTidy(model.params, model.config, tf.tensor2d(batch, [2, 10], 'int32'), { hooks, logits: true });
  const logits = await out.logits!.array();
  for (let b = 0; b < batch.length; b++) {
    const ref = naiveGpt2(dir, batch[b]);
    assertClose(logits[b].flat(), ref.logits.flat(), `logits of sequence ${b}`);
    for (const h of hooks) {
      const got = (await out.hooks[h].array())[b].flat();
      assertClose(got, ref.acts[h].flat(), `${h} of sequence ${b}`);
    }
  }
  // Hooks alone stop early and still agree.
  const early = forwardTidy(model.params, model.config, tf.tensor2d(batch, [2, 10], 'int32'), {
    hooks: ['blocks.0.mlp.hook_post'],
  });
  assert.equal(early.logits, undefined);
  assertClose(
    (await early.hooks['blocks.0.mlp.hook_post'].array())[1].flat(),
    naiveGpt2(dir, batch[1]).acts['blocks.0.mlp.hook_post'].flat(),
    'early hook',
  );
  // The training path (no host copy: TF.js attention and gather, with gradients) gives the same numbers.
  const { wteHost: _host, ...trainable } = model.params;
  void _host;
  const viaTf = forwardTidy(trainable, model.config, tf.tensor2d(batch, [2, 10], 'int32'), { hooks, logits: true });
  assertClose(await viaTf.logits!.data(), (await out.logits!.data()) as unknown as number[], 'TF.js path logits');
  assertClose(
    await viaTf.hooks['blocks.1.hook_attn_out'].data(),
    (await out.hooks['blocks.1.hook_attn_out'].data()) as unknown as number[],
    'TF.js path attention',
  );
  disposeResult(viaTf);
  disposeResult(out);
  disposeResult(early);
  disposeModel(model);
});

test('the onnxruntime forward matches the naive GPT-2 on logits and every hook, and stops early for one hook', async () => {
  await initTfjs();
  const dir = writeRandomModel(mkdtempSync(join(scratch, 'gpt2-')));
  const model = await loadGpt2Model(dir, 'this test');
  const forward = await hookRunner(model);
  assert.ok(forward instanceof OnnxForward, 'onnxruntime-node loads');
  const batch = [
    [5, 17, 260, 3, 99, 42, 7, 7, 0, 299],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  ];
  const hooks = ['0', '1'].flatMap((l) => hookKinds(model.config).map((k) => `blocks.${l}.${k}`)); // every kind the model exposes
  const out = await forward.run(Int32Array.from(batch.flat()), 2, 10, { hooks, logits: true });
  for (let b = 0; b < batch.length; b++) {
    const ref = naiveGpt2(dir, batch[b]);
    const row = (a: Float32Array, width: number) => a.subarray(b * 10 * width, (b + 1) * 10 * width);
    assertClose(row(out.logits!, cfg.vocab), ref.logits.flat(), `logits of sequence ${b}`);
    for (const h of hooks.filter((x) => x in ref.acts)) {
      const width = ref.acts[h][0].length;
      assertClose(row(out.hooks[h], width), ref.acts[h].flat(), `${h} of sequence ${b}`);
    }
  }
  // The hooks the naive model does not name agree with the TF.js forward.
  const tfOut = forwardTidy(model.params, model.config, tf.tensor2d(batch, [2, 10], 'int32'), { hooks });
  for (const h of ['blocks.1.hook_resid_mid', 'blocks.1.mlp.hook_pre', 'blocks.0.attn.hook_z', 'blocks.1.attn.hook_z'])
    assertClose(out.hooks[h], (await tfOut.hooks[h].data()) as unknown as number[], `${h} against TF.js`);
  disposeResult(tfOut);
  const early = await forward.run(Int32Array.from(batch.flat()), 2, 10, { hooks: ['blocks.0.mlp.hook_post'] });
  assert.deepEqual(Object.keys(early.hooks), ['blocks.0.mlp.hook_post']);
  assert.equal(early.logits, undefined);
  assertClose(early.hooks['blocks.0.mlp.hook_post'], out.hooks['blocks.0.mlp.hook_post'], 'early hook');
  await assert.rejects(
    forward.run(Int32Array.from(batch.flat()), 2, 10, { hooks: ['blocks.0.nope'] }),
    /is not a hook point/,
  );
  // Feeding a hook: its own values give the clean logits back; zeros agree with TF.js's replacement.
  const ids = Int32Array.from(batch.flat());
  const own = await forward.run(ids, 2, 10, {
    logits: true,
    feed: { 'blocks.1.mlp.hook_post': out.hooks['blocks.1.mlp.hook_post'] },
  });
  assertClose(own.logits!, out.logits!, 'logits with a hook fed its own values');
  const zeros = { 'blocks.0.hook_resid_mid': new Float32Array(2 * 10 * cfg.d) };
  const ablated = await forward.run(ids, 2, 10, { logits: true, hooks: ['blocks.1.hook_resid_post'], feed: zeros });
  const viaTf = await tfjsHookRunner(model).run(ids, 2, 10, {
    logits: true,
    hooks: ['blocks.1.hook_resid_post'],
    feed: zeros,
  });
  assertClose(ablated.logits!, viaTf.logits!, 'logits with a zeroed residual, onnxruntime against TF.js');
  assertClose(ablated.hooks['blocks.1.hook_resid_post'], viaTf.hooks['blocks.1.hook_resid_post'], 'downstream hook');
  assert.ok(Math.abs(ablated.logits![0] - out.logits![0]) > 1e-3, 'the ablation changed the logits');
  await assert.rejects(
    forward.run(ids, 2, 10, {
      hooks: ['blocks.0.mlp.hook_post'],
      feed: { 'blocks.0.mlp.hook_post': out.hooks['blocks.0.mlp.hook_post'] },
    }),
    /both recorded and fed/,
  );
  forward.dispose();
  disposeModel(model);
});

test('a config that does not fit the weights is refused with both shapes', async () => {
  await initTfjs();
  const dir = writeRandomModel(mkdtempSync(join(scratch, 'gpt2-')));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ vocab_size: 300, n_positions: 12, n_embd: 16, n_layer: 2, n_head: 2, n_inner: 64 }),
  );
  await assert.rejects(
    loadModel(dir),
    /'transformer\.h\.0\.mlp\.c_fc\.weight' is \[16, 40\] but config\.json implies \[16, 64\]/,
  );
});

test('replacing a hook changes everything downstream: identity is a no-op, zero-ablating the MLP equals its bias', async () => {
  await initTfjs();
  const model = await loadGpt2Model(writeRandomModel(mkdtempSync(join(scratch, 'gpt2-'))), 'this test');
  const ids = () => tf.tensor2d([[3, 1, 4, 1, 5, 9]], [1, 6], 'int32');
  const logitsWith = async (replace: Record<string, (x: tf.Tensor2D) => tf.Tensor2D>) => {
    const r = forwardTidy(model.params, model.config, ids(), { logits: true, replace });
    const v = Array.from(await r.logits!.data());
    disposeResult(r);
    return v;
  };
  const clean = await logitsWith({});
  assertClose(await logitsWith({ 'blocks.0.mlp.hook_post': (x) => x }), clean, 'identity replacement');
  const zeroed = await logitsWith({ 'blocks.1.mlp.hook_post': (x) => tf.zerosLike(x) });
  const biasOnly = await logitsWith({
    'blocks.1.hook_mlp_out': (x) => tf.zerosLike(x).add(model.params.blocks[1].outB) as tf.Tensor2D,
  });
  assertClose(zeroed, biasOnly, 'zero MLP neurons = MLP output equal to its bias');
  assert.ok(Math.abs(zeroed[0] - clean[0]) > 1e-3, 'the ablation changed the logits');
  assert.throws(
    () => forwardTidy(model.params, model.config, ids(), { replace: { 'blocks.0.nope': (x) => x } }),
    /is not a hook point/,
  );
  disposeModel(model);
});

test('the onnxruntime forward agrees with TF.js for the exact-GELU and ReLU activations too', async () => {
  await initTfjs();
  const dir = writeRandomModel(mkdtempSync(join(scratch, 'gpt2-')));
  const ids = Int32Array.from([5, 17, 260, 3, 99, 42, 7, 7, 0, 299]);
  for (const activation of ['gelu', 'relu'] as const) {
    const model = await loadGpt2Model(dir, 'this test');
    model.config.activation = activation; // as a config.json with that activation_function would load
    const fast = await hookRunner(model);
    assert.ok(fast instanceof OnnxForward);
    const o = { hooks: ['blocks.0.mlp.hook_post', 'blocks.1.hook_resid_post'], logits: true };
    const got = await fast.run(ids, 1, 10, o);
    const want = await tfjsHookRunner(model).run(ids, 1, 10, o);
    assertClose(got.hooks['blocks.0.mlp.hook_post'], want.hooks['blocks.0.mlp.hook_post'], `${activation} MLP`);
    assertClose(got.logits!, want.logits!, `${activation} logits`);
    if (activation === 'relu')
      assert.ok(
        got.hooks['blocks.0.mlp.hook_post'].every((v) => v >= 0),
        'ReLU outputs are non-negative',
      );
    fast.dispose();
    disposeModel(model);
  }
});

test('adding to a hook equals feeding the hook plus the term, and last-row logits are the last rows, on both runners', async () => {
  await initTfjs();
  const model = await loadGpt2Model(writeRandomModel(mkdtempSync(join(scratch, 'gpt2-'))), 'this test');
  const ids = Int32Array.from([5, 17, 260, 3, 99, 42, 5, 17, 260, 3, 99, 42]); // two rows of six
  const hook = 'blocks.0.hook_resid_post';
  const { dModel } = model.config;
  // one row gets a term at two positions, the other none: the batch rows must not mix
  const term = new Float32Array(12 * dModel);
  for (let p = 0; p < dModel; p++) {
    term[(6 + 1) * dModel + p] = Math.sin(p);
    term[(6 + 4) * dModel + p] = 0.5 * Math.cos(p);
  }
  for (const runner of [await hookRunner(model), tfjsHookRunner(model)]) {
    const clean = await runner.run(ids, 2, 6, { hooks: [hook] });
    const fed = Float32Array.from(clean.hooks[hook], (v, i) => v + term[i]);
    const want = await runner.run(ids, 2, 6, { logits: true, feed: { [hook]: fed } });
    const got = await runner.run(ids, 2, 6, { logits: true, add: { [hook]: term } });
    assertClose(got.logits!, want.logits!, `${runner.description}: add = feed of h + term`);
    const plain = await runner.run(ids, 2, 6, { logits: true });
    const vocab = model.config.vocabSize;
    assertClose(got.logits!.subarray(0, 6 * vocab), plain.logits!.subarray(0, 6 * vocab), 'the row with no term');
    assert.ok(Math.abs(got.logits![7 * vocab] - plain.logits![7 * vocab]) > 1e-4, 'the term moved the next row');
    await assert.rejects(runner.run(ids, 2, 6, { add: { [hook]: term }, feed: { [hook]: fed } }), /both fed and added/);
    // generation's logits: each sequence's last row only
    const last = await runner.run(ids, 2, 6, { logits: true, lastRowLogits: true, add: { [hook]: term } });
    assert.equal(last.logits!.length, 2 * vocab);
    assertClose(last.logits!.subarray(0, vocab), got.logits!.subarray(5 * vocab, 6 * vocab), 'row 0, last position');
    assertClose(last.logits!.subarray(vocab), got.logits!.subarray(11 * vocab), 'row 1, last position');
  }
  disposeModel(model);
});

test('the onnxruntime runner keeps at most MAX_SESSIONS sessions and rebuilds an evicted one to the same result', async () => {
  await initTfjs();
  const model = await loadGpt2Model(writeRandomModel(mkdtempSync(join(scratch, 'gpt2-'))), 'this test');
  const runner = await hookRunner(model);
  assert.ok(runner instanceof OnnxForward);
  const ids = Int32Array.from([5, 17, 260, 3, 99, 42]);
  // each hook is its own graph: more of them than the cap
  const hooks = hookKinds(model.config).flatMap((kind) => [0, 1].map((layer) => `blocks.${layer}.${kind}`));
  assert.ok(hooks.length > MAX_SESSIONS);
  const first = await runner.run(ids, 1, 6, { hooks: [hooks[0]] });
  for (const hook of hooks.slice(1)) await runner.run(ids, 1, 6, { hooks: [hook] });
  assert.equal(runner.openSessions, MAX_SESSIONS);
  const again = await runner.run(ids, 1, 6, { hooks: [hooks[0]] }); // evicted long ago: built anew
  assert.deepEqual(again.hooks[hooks[0]], first.hooks[hooks[0]]);
  // runs in flight keep their sessions: all at once, then every answer still right
  const all = await Promise.all(hooks.map((hook) => runner.run(ids, 1, 6, { hooks: [hook] })));
  assert.deepEqual(all[0].hooks[hooks[0]], first.hooks[hooks[0]]);
  assert.ok(runner.openSessions > MAX_SESSIONS, 'none could go while every one was running');
  await runner.run(ids, 1, 6, { hooks: [hooks[3]] });
  assert.equal(runner.openSessions, MAX_SESSIONS, 'the next run trims the idle ones');
  disposeModel(model);
});
