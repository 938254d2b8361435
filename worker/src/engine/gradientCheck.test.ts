// Gradient check: the trainer's analytic gradients (TopK main loss, AuxK on dead latents, b_dec through both the
// decoder and the encoder input) against central finite differences of the loss computed independently here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivationStore } from './activationStore.js';
import { memorySource } from './activationSource.js';
import { loadBackend } from './backendRegistry.js';
import { Rng } from './rng.js';
import { resolveTrainConfig, Trainer } from './train.js';

const d = 8;
let dSae = 12;
const k = 3;
const auxK = 2;
const n = 16;
const alpha = 1 / 32;

type P = { wEncT: Float64Array; bEnc: Float64Array; wDec: Float64Array; bDec: Float64Array };

/** Indices of the `count` largest of f(l) over `latents`. */
function top(latents: number[], f: (l: number) => number, count: number): number[] {
  return [...latents].sort((a, b) => f(b) - f(a)).slice(0, count);
}

/** main + AuxK loss in float64; e0 is the (constant) residual of the unperturbed model. */
function loss(
  p: P,
  x: Float32Array,
  dead: number[],
  e0: Float64Array | null,
): { value: number; residual: Float64Array } {
  const all = [...Array(dSae).keys()];
  const residual = new Float64Array(n * d);
  let main = 0;
  let aux = 0;
  for (let t = 0; t < n; t++) {
    const pre = (l: number) => {
      let s = p.bEnc[l];
      for (let q = 0; q < d; q++) s += (x[t * d + q] - p.bDec[q]) * p.wEncT[l * d + q];
      return s;
    };
    const xhat = Float64Array.from(p.bDec);
    for (const l of top(all, pre, k)) {
      const f = Math.max(0, pre(l));
      for (let q = 0; q < d; q++) xhat[q] += f * p.wDec[l * d + q];
    }
    for (let q = 0; q < d; q++) {
      residual[t * d + q] = x[t * d + q] - xhat[q];
      main += (xhat[q] - x[t * d + q]) ** 2;
    }
    if (e0) {
      const ehat = new Float64Array(d);
      for (const l of top(dead, pre, auxK)) {
        const f = Math.max(0, pre(l));
        for (let q = 0; q < d; q++) ehat[q] += f * p.wDec[l * d + q];
      }
      for (let q = 0; q < d; q++) aux += (ehat[q] - e0[t * d + q]) ** 2;
    }
  }
  return { value: (main + alpha * aux) / n, residual };
}

describe('gradient check', () => {
  // 12 latents with k=3 take the trainer's dense route (width > dSae/8), 40 the sparse kernels.
  for (const latents of [12, 40]) {
    it(`TopK + AuxK gradients match finite differences (${latents} latents)`, async () => {
      dSae = latents;
      const backend = await loadBackend('reference');
      const rng = new Rng(3);
      const rows = rng.normals(n * d);
      const source = memorySource(rows, n, d);
      const cfg = resolveTrainConfig(
        { arch: 'topk', dSae, archOptions: { k }, batchSize: n, tokens: n * 10, seed: 1, auxK, deadWindowTokens: 100 },
        d,
      );
      const store = new ActivationStore(source, { batchSize: n, seed: 1 });
      const trainer = Trainer.create(backend, store, cfg, { medianSample: rows, medianRows: n });
      // Perturb the biases so b_dec and b_enc matter, and declare latents 6..11 dead.
      trainer.params.bEnc.set(rng.normals(dSae, 0.3));
      trainer.params.bDec.set(rng.normals(d, 0.3));
      trainer.tracker.tokens = 1000;
      for (let l = 0; l < dSae; l++) trainer.tracker.lastFired[l] = l < 6 ? 1000 : 0;
      const dead = [...Array(dSae - 6).keys()].map((i) => i + 6);
      store.nextBatch(trainer.batch);
      const x = Float32Array.from(trainer.batch);
      const g = await trainer.computeGradients();
      assert.ok(g.auxLoss > 0, 'AuxK is active');

      const base: P = {
        wEncT: Float64Array.from(trainer.params.wEncT),
        bEnc: Float64Array.from(trainer.params.bEnc),
        wDec: Float64Array.from(trainer.params.wDec),
        bDec: Float64Array.from(trainer.params.bDec),
      };
      const e0 = loss(base, x, dead, null).residual;
      const h = 1e-5;
      const checks: [keyof P, number][] = [];
      for (const l of [0, 3, 7, 10]) for (const q of [0, 5]) checks.push(['wDec', l * d + q], ['wEncT', l * d + q]);
      for (const l of [1, 8]) checks.push(['bEnc', l]);
      for (const q of [0, 2, 7]) checks.push(['bDec', q]);
      let compared = 0;
      for (const [name, i] of checks) {
        const plus = { ...base, [name]: Float64Array.from(base[name]) };
        const minus = { ...base, [name]: Float64Array.from(base[name]) };
        plus[name][i] += h;
        minus[name][i] -= h;
        const numeric = (loss(plus, x, dead, e0).value - loss(minus, x, dead, e0).value) / (2 * h);
        const analytic = trainer.gradients[name][i];
        assert.ok(
          Math.abs(numeric - analytic) <= 1e-4 + 1e-2 * Math.abs(numeric),
          `${name}[${i}]: analytic ${analytic} vs numeric ${numeric}`,
        );
        if (numeric !== 0) compared++;
      }
      assert.ok(compared >= 15, `${compared} nonzero gradients compared`);
      backend.dispose();
    });
  }
});
