// The transcoder variant: its gradients (main loss, skip term, AuxK) against finite differences of a loss written
// out here; learning a sparse-plus-linear map no linear map of the input can match; and the SAELens folder it writes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readSafetensors } from '../../formats/safetensors.js';
import { ActivationStore } from '../activationStore.js';
import { pairedMemorySource } from '../activationSource.js';
import type { Backend } from '../backend.js';
import { loadBackend } from '../backendRegistry.js';
import { Rng } from '../rng.js';
import { resolveTrainConfig, trainedWeights, Trainer } from '../train.js';
import { trainOnSource } from '../trainRun.js';
import { writeSaelensTranscoder } from './saelensFormat.js';

const backend: Backend = await loadBackend('auto', { threads: 2 });
const reference: Backend = await loadBackend('reference');
const scratch = mkdtempSync(join(tmpdir(), 'atlas-transcoder-'));
after(() => {
  backend.dispose();
  reference.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

type P = { wEncT: Float64Array; bEnc: Float64Array; wDec: Float64Array; bDec: Float64Array; wSkip: Float64Array };

describe('transcoder gradients', () => {
  const dIn = 6;
  const dOut = 5;
  const n = 16;
  const k = 3;
  const auxK = 2;
  const alpha = 1 / 32;
  // 12 latents with k=3 take the trainer's dense route, 40 the sparse kernels; both with and without the skip.
  for (const [dSae, skip] of [
    [12, true],
    [40, true],
    [40, false],
  ] as const)
    it(`match finite differences of the loss (${dSae} latents, ${skip ? 'with' : 'without'} skip, AuxK on)`, async () => {
      const rng = new Rng(5);
      const x = rng.normals(n * dIn);
      const y = rng.normals(n * dOut);
      const source = pairedMemorySource(x, y, n, dIn, dOut);
      const cfg = resolveTrainConfig(
        {
          arch: 'transcoder',
          dSae,
          archOptions: { k, skip },
          batchSize: n,
          tokens: n * 10,
          seed: 1,
          auxK,
          deadWindowTokens: 100,
        },
        dIn + dOut,
      );
      const store = new ActivationStore(source, { batchSize: n, seed: 1 });
      const sample = store.sampleRows(n);
      const trainer = Trainer.create(reference, store, cfg, { medianSample: sample.rows, medianRows: n });
      assert.equal(trainer.dIn, dIn);
      assert.equal(trainer.dOut, dOut);
      trainer.params.bEnc.set(rng.normals(dSae, 0.3));
      trainer.params.bDec.set(rng.normals(dOut, 0.3));
      if (skip) trainer.params.extra.wSkip.set(rng.normals(dOut * dIn, 0.3));
      // Latents 6.. are dead, so AuxK trains them.
      trainer.tracker.tokens = 1000;
      for (let l = 0; l < dSae; l++) trainer.tracker.lastFired[l] = l < 6 ? 1000 : 0;
      const dead = [...Array(dSae - 6).keys()].map((i) => i + 6);
      store.nextBatch(trainer.batch);
      const rows = Float32Array.from(trainer.batch);
      const g = await trainer.computeGradients();
      assert.ok(g.auxLoss > 0, 'AuxK is active');

      const all = [...Array(dSae).keys()];
      const top = (latents: number[], f: (l: number) => number, count: number) =>
        [...latents].sort((a, b) => f(b) - f(a)).slice(0, count);
      /** Main + AuxK loss in float64; e0 is the unperturbed model's residual y − ŷ (AuxK holds it constant). */
      const loss = (p: P, e0: Float64Array | null) => {
        const residual = new Float64Array(n * dOut);
        let main = 0;
        let aux = 0;
        for (let t = 0; t < n; t++) {
          const xt = rows.subarray(t * (dIn + dOut), t * (dIn + dOut) + dIn);
          const yt = rows.subarray(t * (dIn + dOut) + dIn, (t + 1) * (dIn + dOut));
          // No b_dec on the input: hidden = x·W_enc + b_enc.
          const pre = (l: number) => {
            let s = p.bEnc[l];
            for (let q = 0; q < dIn; q++) s += xt[q] * p.wEncT[l * dIn + q];
            return s;
          };
          const out = Float64Array.from(p.bDec);
          for (const l of top(all, pre, k))
            for (let o = 0; o < dOut; o++) out[o] += Math.max(0, pre(l)) * p.wDec[l * dOut + o];
          if (skip) for (let o = 0; o < dOut; o++) for (let q = 0; q < dIn; q++) out[o] += p.wSkip[o * dIn + q] * xt[q];
          for (let o = 0; o < dOut; o++) {
            residual[t * dOut + o] = yt[o] - out[o];
            main += (out[o] - yt[o]) ** 2;
          }
          if (e0) {
            const ehat = new Float64Array(dOut);
            for (const l of top(dead, pre, auxK))
              for (let o = 0; o < dOut; o++) ehat[o] += Math.max(0, pre(l)) * p.wDec[l * dOut + o];
            for (let o = 0; o < dOut; o++) aux += (ehat[o] - e0[t * dOut + o]) ** 2;
          }
        }
        return { value: (main + alpha * aux) / n, residual };
      };
      const base: P = {
        wEncT: Float64Array.from(trainer.params.wEncT),
        bEnc: Float64Array.from(trainer.params.bEnc),
        wDec: Float64Array.from(trainer.params.wDec),
        bDec: Float64Array.from(trainer.params.bDec),
        wSkip: Float64Array.from(trainer.params.extra.wSkip ?? []),
      };
      assert.equal(base.wDec.length, dSae * dOut, 'W_dec is [dSae, dOut]');
      const e0 = loss(base, null).residual;
      const analytic = (name: keyof P, i: number) =>
        name === 'wSkip' ? trainer.gradients.extra.wSkip[i] : trainer.gradients[name][i];
      const h = 1e-5;
      const checks: [keyof P, number][] = [];
      for (const l of [0, 3, 7, 10]) {
        for (const q of [0, 5]) checks.push(['wEncT', l * dIn + q]);
        for (const o of [0, 4]) checks.push(['wDec', l * dOut + o]);
      }
      for (const l of [1, 8]) checks.push(['bEnc', l]);
      for (const o of [0, 2, 4]) checks.push(['bDec', o]);
      if (skip) for (const i of [0, 7, dOut * dIn - 1]) checks.push(['wSkip', i]);
      let compared = 0;
      for (const [name, i] of checks) {
        const plus = { ...base, [name]: Float64Array.from(base[name]) };
        const minus = { ...base, [name]: Float64Array.from(base[name]) };
        plus[name][i] += h;
        minus[name][i] -= h;
        const numeric = (loss(plus, e0).value - loss(minus, e0).value) / (2 * h);
        const got = analytic(name, i);
        assert.ok(
          Math.abs(numeric - got) <= 1e-4 + 1e-2 * Math.abs(numeric),
          `${name}[${i}]: analytic ${got} vs numeric ${numeric}`,
        );
        if (numeric !== 0) compared++;
      }
      assert.ok(compared >= 15, `${compared} nonzero gradients compared`);
    });
});

describe('transcoder training', () => {
  // y = s·B + x·Cᵀ with x = s·A: s is a sparse code (3 of 32 features on) seen through 16 input dimensions.
  const dIn = 16;
  const dOut = 12;
  const features = 32;
  const rows = 8192;
  const rng = new Rng(11);
  const A = rng.normals(features * dIn, 1 / Math.sqrt(dIn));
  const B = rng.normals(features * dOut, 1 / Math.sqrt(dOut));
  const C = rng.normals(dOut * dIn, 0.5 / Math.sqrt(dIn));
  const x = new Float32Array(rows * dIn);
  const y = new Float32Array(rows * dOut);
  for (let t = 0; t < rows; t++) {
    const on = new Set<number>();
    while (on.size < 3) on.add(rng.int(features));
    for (const f of on) {
      const s = 0.5 + rng.next();
      for (let q = 0; q < dIn; q++) x[t * dIn + q] += s * A[f * dIn + q];
      for (let o = 0; o < dOut; o++) y[t * dOut + o] += s * B[f * dOut + o];
    }
    for (let o = 0; o < dOut; o++) for (let q = 0; q < dIn; q++) y[t * dOut + o] += C[o * dIn + q] * x[t * dIn + q];
  }

  /** FVU of the best affine map x → y (least squares, normal equations solved here): the bound to beat. */
  function affineFvu(): number {
    const w = dIn + 1;
    const xtx = Array.from({ length: w }, () => new Float64Array(w));
    const xty = Array.from({ length: w }, () => new Float64Array(dOut));
    const row = new Float64Array(w);
    for (let t = 0; t < rows; t++) {
      for (let q = 0; q < dIn; q++) row[q] = x[t * dIn + q];
      row[dIn] = 1;
      for (let a = 0; a < w; a++) {
        for (let b = 0; b < w; b++) xtx[a][b] += row[a] * row[b];
        for (let o = 0; o < dOut; o++) xty[a][o] += row[a] * y[t * dOut + o];
      }
    }
    // Gauss-Jordan on [XᵀX | XᵀY].
    for (let c = 0; c < w; c++) {
      let pivot = c;
      for (let r = c + 1; r < w; r++) if (Math.abs(xtx[r][c]) > Math.abs(xtx[pivot][c])) pivot = r;
      [xtx[c], xtx[pivot]] = [xtx[pivot], xtx[c]];
      [xty[c], xty[pivot]] = [xty[pivot], xty[c]];
      for (let r = 0; r < w; r++) {
        if (r === c) continue;
        const f = xtx[r][c] / xtx[c][c];
        for (let b = 0; b < w; b++) xtx[r][b] -= f * xtx[c][b];
        for (let o = 0; o < dOut; o++) xty[r][o] -= f * xty[c][o];
      }
    }
    let sse = 0;
    let sst = 0;
    const mean = new Float64Array(dOut);
    for (let t = 0; t < rows; t++) for (let o = 0; o < dOut; o++) mean[o] += y[t * dOut + o] / rows;
    for (let t = 0; t < rows; t++)
      for (let o = 0; o < dOut; o++) {
        let pred = xty[dIn][o] / xtx[dIn][dIn];
        for (let q = 0; q < dIn; q++) pred += x[t * dIn + q] * (xty[q][o] / xtx[q][q]);
        sse += (pred - y[t * dOut + o]) ** 2;
        sst += (y[t * dOut + o] - mean[o]) ** 2;
      }
    return sse / sst;
  }

  it('learns a sparse-plus-linear map far below the best affine map, and writes the SAELens transcoder folder', async () => {
    const linear = affineFvu();
    assert.ok(linear > 0.3, `the sparse part is not linear in x (affine FVU ${linear.toFixed(3)})`);
    const t = await trainOnSource(backend, pairedMemorySource(x, y, rows, dIn, dOut, 'blocks.0.hook_mlp_out'), {
      arch: 'transcoder',
      dSae: 64,
      archOptions: { k: 4, skip: true },
      batchSize: 256,
      tokens: rows * 20,
      lr: 0.01,
      seed: 2,
    });
    const last = t.curves[t.curves.length - 1];
    assert.ok(last.fvu < linear / 3, `transcoder FVU ${last.fvu.toFixed(3)} vs the affine map's ${linear.toFixed(3)}`);
    assert.ok(last.l0 <= 4 && last.l0 > 2, `L0 ${last.l0}`);
    // The plateau rule's measurement (rows read from the store, skip term included) agrees.
    const measured = await t.heldOutFvu();
    assert.ok(measured < linear / 3, `held-out FVU ${measured.toFixed(3)}`);

    // The folder: SAELens's SkipTranscoder keys and shapes, normalisation folded so raw x predicts raw y as well.
    const dir = mkdtempSync(join(scratch, 'tc-'));
    const provenance = {
      model: 'builtin:tiny-brown',
      hook: 'blocks.0.ln2.hook_normalized',
      tokenizer: 'tok',
      contextSize: 64,
      prependBos: true,
      corpus: 'brown',
    };
    writeSaelensTranscoder(dir, trainedWeights(t), { provenance });
    const cfg = JSON.parse(readFileSync(join(dir, 'cfg.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(cfg.architecture, 'skip_transcoder');
    assert.equal(cfg.d_in, dIn);
    assert.equal(cfg.d_sae, 64);
    assert.equal(cfg.d_out, dOut);
    assert.equal(cfg.hook_name, 'blocks.0.ln2.hook_normalized');
    assert.equal(cfg.hook_name_out, 'blocks.0.hook_mlp_out');
    assert.equal(cfg.hook_layer_out, 0);
    assert.equal(cfg.k, 4);
    assert.equal(cfg.activation_fn_str, 'topk');
    assert.equal(cfg.apply_b_dec_to_input, false);
    assert.equal(cfg.model_name, 'builtin:tiny-brown');
    const tensors = readSafetensors(join(dir, 'sae_weights.safetensors')).tensors;
    const shape = (name: string) => tensors.get(name)?.shape;
    assert.deepEqual(shape('W_enc'), [dIn, 64]);
    assert.deepEqual(shape('b_enc'), [64]);
    assert.deepEqual(shape('W_dec'), [64, dOut]);
    assert.deepEqual(shape('b_dec'), [dOut]);
    assert.deepEqual(shape('W_skip'), [dOut, dIn]);
    // SAELens's SkipTranscoder forward on raw rows: codes = ReLU(TopK(x·W_enc + b_enc)); codes·W_dec + b_dec + x·W_skipᵀ.
    const W = (name: string) => tensors.get(name)!.data;
    const [wEnc, bEnc, wDec, bDec, wSkip] = ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'W_skip'].map(W);
    let sse = 0;
    let sst = 0;
    const mean = new Float64Array(dOut);
    const m = 1024;
    for (let r = 0; r < m; r++) for (let o = 0; o < dOut; o++) mean[o] += y[r * dOut + o] / m;
    for (let r = 0; r < m; r++) {
      const hidden = Float64Array.from(bEnc);
      for (let q = 0; q < dIn; q++) for (let l = 0; l < 64; l++) hidden[l] += x[r * dIn + q] * wEnc[q * 64 + l];
      const kept = [...hidden.keys()].sort((a, b) => hidden[b] - hidden[a]).slice(0, 4);
      for (let o = 0; o < dOut; o++) {
        let out = bDec[o];
        for (const l of kept) out += Math.max(0, hidden[l]) * wDec[l * dOut + o];
        for (let q = 0; q < dIn; q++) out += wSkip[o * dIn + q] * x[r * dIn + q];
        sse += (out - y[r * dOut + o]) ** 2;
        sst += (y[r * dOut + o] - mean[o]) ** 2;
      }
    }
    assert.ok(sse / sst < linear / 3, `the folder's FVU on raw rows ${(sse / sst).toFixed(3)}`);
  });

  it('resumes from a checkpoint to the same weights, W_skip and target factor included', async () => {
    const source = () => pairedMemorySource(x, y, rows, dIn, dOut);
    const cfg = { arch: 'transcoder', dSae: 32, archOptions: { k: 3, skip: true }, batchSize: 256, tokens: 256 * 8, seed: 5 }; // prettier-ignore
    const whole = await trainOnSource(backend, source(), cfg);
    let snapshot: ReturnType<Trainer['checkpoint']> | null = null;
    await trainOnSource(backend, source(), cfg, (_s, t) => {
      // Deep-copy: the live arrays keep changing after the checkpoint.
      if (t.step === 3) {
        const c = t.checkpoint();
        snapshot = JSON.parse(JSON.stringify({ ...c, tensors: {} }));
        snapshot!.tensors = Object.fromEntries(Object.entries(c.tensors).map(([k, v]) => [k, Float32Array.from(v)]));
      }
    });
    const meta = snapshot!.meta;
    assert.ok(meta.targetScale && meta.targetScale !== meta.scale, 'input and target have their own factors');
    const store = new ActivationStore(source(), { batchSize: 256, seed: 5, scale: meta.scale, targetScale: meta.targetScale }); // prettier-ignore
    const resumed = Trainer.create(backend, store, meta.config, snapshot!);
    while (!resumed.done) await resumed.runStep();
    assert.deepEqual([...resumed.params.wDec], [...whole.params.wDec]);
    assert.deepEqual([...resumed.params.extra.wSkip], [...whole.params.extra.wSkip]);
  });
});
