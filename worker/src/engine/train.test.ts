// Training against ground truth: recovery of synthetic features, reproducibility, and exact resume.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { defaultPlateau } from './defaultSchedule.js';
import { ActivationStore } from './activationStore.js';
import { memorySource } from './activationSource.js';
import type { Backend } from './backend.js';
import { loadBackend } from './backendRegistry.js';
import { mmcs } from './metrics.js';
import { syntheticArray } from './syntheticSet.js';
import { Trainer } from './train.js';
import { trainOnArray } from './trainRun.js';

const backend: Backend = await loadBackend('auto', { threads: 2 });
const reference: Backend = await loadBackend('reference');
after(() => {
  backend.dispose();
  reference.dispose();
});

describe('TopK training', () => {
  it('recovers synthetic features: MMCS > 0.96 (d=32, 128 features, L0 3, 160 latents)', async () => {
    const d = 32;
    const F = 128;
    const { data, features } = syntheticArray({ d, features: F, l0: 3, samples: 40_000, seed: 1 });
    // A few spare latents: with exactly one latent per feature, a handful of features stay merged (~0.94).
    const dSae = 160;
    const t = await trainOnArray(backend, data, 40_000, d, {
      arch: 'topk',
      dSae,
      archOptions: { k: 3 },
      batchSize: 512,
      tokens: 40_000 * 8,
      lr: 0.01,
      seed: 1,
    });
    const score = mmcs(features, F, t.params.wDec, dSae, d);
    assert.ok(score > 0.96, `MMCS ${score.toFixed(4)} should exceed 0.96`);
    const last = t.curves[t.curves.length - 1];
    assert.ok(last.fvu < 0.35, `final FVU ${last.fvu}`);
    // At most k: the k largest pre-activations pass a ReLU, so a negative one among them is not counted.
    assert.ok(last.l0 <= 3 && last.l0 > 2.5, `TopK L0 ${last.l0} should be just under k = 3`);
  });

  it('keeps decoder rows at unit norm', async () => {
    const { data } = syntheticArray({ d: 16, features: 32, l0: 2, samples: 2000 });
    const t = await trainOnArray(backend, data, 2000, 16, {
      arch: 'topk',
      dSae: 48,
      archOptions: { k: 2 },
      batchSize: 256,
      tokens: 256 * 10,
      seed: 3,
    });
    for (let l = 0; l < 48; l++) {
      let s = 0;
      for (let p = 0; p < 16; p++) s += t.params.wDec[l * 16 + p] ** 2;
      assert.ok(Math.abs(Math.sqrt(s) - 1) < 1e-5, `row ${l} norm ${Math.sqrt(s)}`);
    }
  });

  it('is reproducible: same seed, same weights; and the fast backend follows the reference', async () => {
    const { data } = syntheticArray({ d: 16, features: 64, l0: 3, samples: 4096, seed: 2 });
    const cfg = { arch: 'topk', dSae: 64, archOptions: { k: 4 }, batchSize: 256, tokens: 256 * 6, seed: 9 };
    const a = await trainOnArray(backend, data, 4096, 16, cfg);
    const b = await trainOnArray(backend, data, 4096, 16, cfg);
    assert.deepEqual([...a.params.wDec], [...b.params.wDec], 'same backend, same seed: identical');
    const r = await trainOnArray(reference, data, 4096, 16, cfg);
    let maxDiff = 0;
    for (let i = 0; i < r.params.wDec.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(r.params.wDec[i] - a.params.wDec[i]));
    assert.ok(maxDiff < 1e-3, `${backend.name} vs reference after 6 steps: max |Δw| = ${maxDiff}`);
    const c = await trainOnArray(backend, data, 4096, 16, { ...cfg, seed: 10 });
    assert.notDeepEqual([...a.params.wDec], [...c.params.wDec], 'another seed, other weights');
  });

  it('trains dead latents through the AuxK loss, and only through it', async () => {
    // Few true features for many latents, so many latents never fire; a latent that has never fired gets no
    // gradient from the main loss, so its encoder row moves only if AuxK reaches it.
    const { data } = syntheticArray({ d: 16, features: 8, l0: 1, samples: 4096, seed: 4 });
    const base = {
      arch: 'topk',
      dSae: 128,
      archOptions: { k: 1 },
      batchSize: 256,
      tokens: 256 * 20,
      seed: 4,
      deadWindowTokens: 512,
    };
    const never = (t: Trainer) => [...t.tracker.lastFired.keys()].filter((l) => t.tracker.lastFired[l] === 0);
    let auxLoss = 0;
    const withAux = await trainOnArray(backend, data, 4096, 16, base, (s) => (auxLoss = Math.max(auxLoss, s.auxLoss)));
    const withoutAux = await trainOnArray(backend, data, 4096, 16, { ...base, auxCoefficient: 0 });
    const init = await trainOnArray(backend, data, 4096, 16, { ...base, tokens: 256, lr: 1e-30 });
    const moved = (t: Trainer, latents: number[]) =>
      latents.filter((l) =>
        t.params.wEncT
          .subarray(l * 16, (l + 1) * 16)
          .some((v, p) => Math.abs(v - init.params.wEncT[l * 16 + p]) > 1e-6),
      ).length;
    const idleWithout = never(withoutAux);
    assert.ok(idleWithout.length > 10, `${idleWithout.length} latents never fired without AuxK`);
    assert.equal(
      moved(withoutAux, idleWithout),
      0,
      'without AuxK, never-fired latents keep their initial encoder rows',
    );
    assert.ok(auxLoss > 0, 'AuxK loss is reported once latents are dead');
    const idleWith = never(withAux);
    assert.ok(
      moved(withAux, [...Array(128).keys()]) > moved(withoutAux, [...Array(128).keys()]),
      'AuxK trains more latents',
    );
    void idleWith;
  });

  it('resumes from a checkpoint to the same weights as an uninterrupted run', async () => {
    const { data } = syntheticArray({ d: 16, features: 32, l0: 2, samples: 4096, seed: 5 });
    const cfg = { arch: 'topk', dSae: 32, archOptions: { k: 2 }, batchSize: 256, tokens: 256 * 8, seed: 5 };
    const whole = await trainOnArray(backend, data, 4096, 16, cfg);
    let snapshot: ReturnType<Trainer['checkpoint']> | null = null;
    await trainOnArray(backend, data, 4096, 16, cfg, (_s, t) => {
      // Deep-copy: the live arrays keep changing after the checkpoint.
      if (t.step === 3) {
        const c = t.checkpoint();
        snapshot = JSON.parse(JSON.stringify({ ...c, tensors: {} }));
        snapshot!.tensors = Object.fromEntries(Object.entries(c.tensors).map(([k, v]) => [k, Float32Array.from(v)]));
      }
    });
    const source = memorySource(data, 4096, 16);
    const store = new ActivationStore(source, { batchSize: 256, seed: 5, scale: snapshot!.meta.scale });
    const resumed = Trainer.create(backend, store, snapshot!.meta.config, snapshot!);
    assert.equal(resumed.step, 3);
    while (!resumed.done) await resumed.runStep();
    assert.deepEqual([...resumed.params.wDec], [...whole.params.wDec]);
  });

  it('stops at the held-out plateau, and a run resumed after the learning-rate cut ends the same', async () => {
    const { data } = syntheticArray({ d: 16, features: 32, l0: 2, samples: 12_288, seed: 6 });
    const plateau = { ...defaultPlateau(256), evalEvery: 10, minSteps: 40, nominalSteps: 400 };
    const cfg = {
      arch: 'topk',
      dSae: 32,
      archOptions: { k: 2 },
      batchSize: 256,
      tokens: 256 * 5000,
      seed: 6,
      plateau,
      holdOutRows: 1024,
    };
    const held: { snapshot?: ReturnType<Trainer['checkpoint']> } = {};
    const whole = await trainOnArray(backend, data, 12_288, 16, cfg, (_s, t) => {
      if (!held.snapshot && t.plateau!.cutSteps.length === 1 && t.step === t.plateau!.cutSteps[0] + 5) {
        const c = t.checkpoint();
        held.snapshot = JSON.parse(JSON.stringify({ ...c, tensors: {} })) as typeof c;
        held.snapshot.tensors = Object.fromEntries(
          Object.entries(c.tensors).map(([k, v]) => [k, Float32Array.from(v)]),
        );
      }
    });
    assert.ok(whole.finalDecay, 'the rule started the final decay');
    assert.ok(whole.step < 5000, `stopped at step ${whole.step}, before the 5,000-step cap`);
    assert.equal(whole.step, whole.finalDecay.end);
    const [cut] = whole.plateau!.cutSteps;
    assert.ok(cut < whole.finalDecay.start);
    assert.equal(whole.lrAt(cut - 1) / whole.lrAt(cut), 4, 'the cut quarters the learning rate');
    const snapshot = held.snapshot;
    assert.ok(snapshot, 'a checkpoint was taken after the cut');
    const source = memorySource(data, 12_288, 16);
    const meta = snapshot.meta;
    const store = new ActivationStore(source, { batchSize: 256, seed: 6, scale: meta.scale, holdOutRows: 1024 });
    const resumed = Trainer.create(backend, store, meta.config, snapshot);
    assert.deepEqual(resumed.plateau!.cutSteps, [cut]);
    while (!resumed.done) await resumed.runStep();
    assert.equal(resumed.step, whole.step);
    assert.deepEqual(resumed.finalDecay, whole.finalDecay);
    assert.deepEqual([...resumed.params.wDec], [...whole.params.wDec]);
  });
});
