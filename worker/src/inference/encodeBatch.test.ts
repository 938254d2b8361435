import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../engine/backend.js';
import { loadBackend } from '../engine/backendRegistry.js';
import { createBackend as referenceBackend } from '../engine/kernels/reference.js';
import { Rng } from '../engine/rng.js';
import { encodeSaelens, type SaelensSae } from '../engine/sae/saelensFormat.js';
import type { CsrCodes } from './csrCodes.js';
import { EncodeScratch, encodeThresholded } from './encodeBatch.js';
import { InferenceDictionary } from './inferenceDictionary.js';
import { randomDictionary } from './randomDictionary.testing.js';

const D_IN = 24;
const D_SAE = 40;

/** A dictionary that subtracts a non-zero b_dec from its input: the case that needs scratch memory. */
const dictionary = (architecture: 'topk' | 'standard', seed: number): SaelensSae =>
  randomDictionary({ architecture, dIn: D_IN, dSae: D_SAE, k: 5, seed });

/**
 * The reference kernels, but each GEMM reads its input only after the event loop had a turn: as a kernel on
 * another thread does. A caller that shared one centring buffer between overlapping calls would be caught.
 */
function lateReadingBackend(): Backend {
  const ref = referenceBackend();
  const turn = () => new Promise((r) => setImmediate(r));
  return Object.assign(Object.create(ref) as Backend, {
    encodeTopK: async (...args: Parameters<Backend['encodeTopK']>) => {
      await turn();
      return ref.encodeTopK(...args);
    },
    matmulT: async (...args: Parameters<Backend['matmulT']>) => {
      await turn();
      return ref.matmulT(...args);
    },
  });
}

const rows = (n: number, seed: number) => new Rng(seed).normals(n * D_IN);
const plain = (c: CsrCodes) => ({
  rowStart: Array.from(c.rowStart),
  indices: Array.from(c.indices),
  values: Array.from(c.values),
});

const auto = await loadBackend('auto', { threads: 2 });
after(() => auto.dispose());

for (const architecture of ['topk', 'standard'] as const)
  for (const [name, backend] of [
    ['late-reading reference', lateReadingBackend()],
    ['auto', auto],
  ] as const)
    test(`${architecture} on ${name}: concurrent encodes on one dictionary equal serial ones`, async () => {
      const d = new InferenceDictionary(dictionary(architecture, 1));
      const inputs = [rows(7, 2), rows(3, 3), rows(11, 4), rows(7, 5)];
      const serial: CsrCodes[] = [];
      for (const x of inputs) serial.push(await d.encode(backend, x, x.length / D_IN));
      const concurrent = await Promise.all(inputs.map((x) => d.encode(backend, x, x.length / D_IN)));
      assert.deepEqual(concurrent.map(plain), serial.map(plain));
      // And the codes are the dictionary's: every active latent's value is the reference encoder's.
      const dense = encodeSaelens(d.sae, inputs[0], 7);
      for (let r = 0; r < 7; r++)
        for (let j = serial[0].rowStart[r]; j < serial[0].rowStart[r + 1]; j++) {
          const want = dense[r * D_SAE + serial[0].indices[j]];
          assert.ok(Math.abs(serial[0].values[j] - want) < 1e-4 * (1 + Math.abs(want)), `row ${r} entry ${j}`);
        }
    });

test('a scratch shared by overlapping calls would mix their inputs (why each call centres in its own)', async () => {
  const backend = lateReadingBackend();
  const d = new InferenceDictionary(dictionary('topk', 1));
  const [a, b] = [rows(4, 6), rows(4, 7)];
  const alone = await d.encode(backend, a, 4);
  const shared = new EncodeScratch();
  const [mixed] = await Promise.all([d.encode(backend, a, 4, shared), d.encode(backend, b, 4, shared)]);
  assert.notDeepEqual(plain(mixed), plain(alone));
});

test('a sequential pass may reuse one scratch in the backend arena: same codes as fresh memory', async () => {
  const d = new InferenceDictionary(dictionary('standard', 8), auto);
  const scratch = new EncodeScratch(auto);
  for (const [n, seed] of [
    [5, 9],
    [17, 10],
    [2, 11],
  ]) {
    const x = rows(n, seed);
    assert.deepEqual(plain(await d.encode(auto, x, n, scratch)), plain(await d.encode(auto, x, n)));
  }
});

test('ReLU and JumpReLU encodes in row blocks: codes equal the dense reference encoder on every row', async () => {
  // Blocks of 3 rows: 8 rows take three GEMMs, the last one short.
  const dIn = 6;
  const dSae = 300;
  const n = 8;
  const rng = new Rng(12);
  const relu: SaelensSae = {
    architecture: 'standard',
    dIn,
    dSae,
    applyBDecToInput: false,
    wEnc: rng.normals(dIn * dSae),
    bEnc: rng.normals(dSae, 0.5),
    wDec: new Float32Array(dSae * dIn),
    bDec: new Float32Array(dIn),
    cfg: {},
  };
  const jumpRelu: SaelensSae = { ...relu, architecture: 'jumprelu', threshold: rng.normals(dSae).map(Math.abs) };
  const x = rng.normals(n * dIn);
  // The reference's positive pre-activations (ReLU's codes); JumpReLU keeps those above its threshold.
  const pre = encodeSaelens(relu, x, n);
  for (const sae of [relu, jumpRelu]) {
    const { wEncT } = new InferenceDictionary(sae).encoder;
    const codes = await encodeThresholded(sae, auto, x, n, wEncT, 3);
    assert.deepEqual(plain(codes), plain(await encodeThresholded(sae, auto, x, n, wEncT)), 'one block');
    const floor = (l: number) => sae.threshold?.[l] ?? 0;
    let active = 0;
    for (let r = 0; r < n; r++) {
      const at = (l: number) => pre[r * dSae + l];
      const want: number[] = [];
      for (let l = 0; l < dSae; l++) if (at(l) > floor(l)) want.push(l);
      const got = Array.from(codes.indices.subarray(codes.rowStart[r], codes.rowStart[r + 1]));
      // A value within rounding of its floor may fall either side: compare the clear ones.
      const clear = (l: number) => Math.abs(at(l) - floor(l)) > 1e-4;
      assert.deepEqual(got.filter(clear), want.filter(clear), `${sae.architecture} row ${r}`);
      for (let j = codes.rowStart[r]; j < codes.rowStart[r + 1]; j++)
        assert.ok(Math.abs(codes.values[j] - at(codes.indices[j])) < 1e-4, `${sae.architecture} row ${r} entry ${j}`);
      active += want.length;
    }
    assert.ok(active > n * 20, `${sae.architecture}: only ${active} active entries`);
  }
});
