// Every backend that loads here against the reference oracle, with stated tolerances, plus the error cases.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Backend, SparseCodes } from '../backend.js';
import { backendNames, backends } from '../backendRegistry.js';
import { AtlasError } from '../../errors.js';
import { Rng } from '../rng.js';

/** float32 sums of up to 512 products in a different order: relative error well under 1e-4. */
const RTOL = 1e-4;
const ATOL = 1e-4;

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    assert.ok(Math.abs(a - e) <= ATOL + RTOL * Math.abs(e), `${what}[${i}]: ${a} vs reference ${e}`);
  }
}

const put = (b: Backend, data: Float32Array): Float32Array => {
  const a = b.alloc(data.length);
  a.set(data);
  return a;
};

/** A fixed pseudo-random array (same values on every call with the same length). */
const rng2 = (length: number): Float32Array => new Rng(length).normals(length);

/** Codes sorted by latent within each row, so backends that do not sort compare equal. */
function sortedRows(c: SparseCodes): { indices: number[]; values: number[] } {
  const indices: number[] = [];
  const values: number[] = [];
  for (let t = 0; t < c.n; t++) {
    const row = [...Array(c.width).keys()].map((j) => [c.indices[t * c.width + j], c.values[t * c.width + j]]);
    row.sort((p, q) => p[0] - q[0]);
    for (const [i, v] of row) {
      indices.push(i);
      values.push(v);
    }
  }
  return { indices, values };
}

const loaded: { label: string; backend: Backend }[] = [];
// Every backend with helper threads (2) and without (1): the two take different paths through shared memory.
for (const name of backendNames)
  for (const threads of name === 'reference' ? [1] : [2, 1]) {
    const label = name === 'reference' ? name : `${name}, ${threads} thread${threads > 1 ? 's' : ''}`;
    try {
      loaded.push({ label, backend: await backends[name]({ threads }) });
    } catch (err) {
      if (!(err instanceof AtlasError && err.code === 'BACKEND_UNAVAILABLE')) throw err;
      it(`${label}: not available here (${err.message})`, { skip: true });
    }
  }
const reference = loaded.find((b) => b.backend.name === 'reference')!.backend;
after(() => loaded.forEach((b) => b.backend.dispose()));

for (const { label, backend: b } of loaded) {
  describe(`backend ${label}`, () => {
    // dIn a whole number of 8-float SIMD blocks (32), blocks plus a scalar tail (12), and tail only (5).
    for (const dIn of [32, 12, 5]) {
      const rng = new Rng(7);
      const m = 9;
      const dSae = 40;
      const k = 5;
      const x = rng.normals(m * dIn);
      const w = rng.normals(dSae * dIn, 0.3);
      const bias = rng.normals(dSae, 0.1);
      const bDec = rng.normals(dIn, 0.1);

      it(`matmulT matches the reference (dIn=${dIn})`, async () => {
        close(
          await b.matmulT(put(b, x), put(b, w), put(b, bias), m, dIn, dSae),
          await reference.matmulT(x, w, bias, m, dIn, dSae),
          'matmulT',
        );
        close(
          await b.matmulT(put(b, x), put(b, w), null, m, dIn, dSae),
          await reference.matmulT(x, w, null, m, dIn, dSae),
          'matmulT no bias',
        );
      });

      it(`matmul (plain and transposed a) matches the reference (dIn=${dIn})`, async () => {
        const w7 = rng2(dIn * 7);
        close(
          await b.matmul(put(b, x), put(b, w7), false, m, dIn, 7),
          await reference.matmul(x, w7, false, m, dIn, 7),
          'matmul',
        );
        const g = rng2(m * 6);
        close(
          await b.matmul(put(b, x), put(b, g), true, dIn, m, 6),
          await reference.matmul(x, g, true, dIn, m, 6),
          'matmul transA',
        );
      });

      it(`encodeTopK selects the same latents (dIn=${dIn})`, async () => {
        const got = sortedRows(await b.encodeTopK(put(b, x), put(b, w), put(b, bias), m, dIn, dSae, k));
        const want = sortedRows(await reference.encodeTopK(x, w, bias, m, dIn, dSae, k));
        assert.deepEqual(got.indices, want.indices);
        close(got.values, want.values, 'topk values');
      });

      it(`sparse decode, row dots, reconstruct, scatter, Adam and unit-row Adam match the reference (dIn=${dIn})`, async () => {
        const codes = await reference.encodeTopK(x, w, bias, m, dIn, dSae, k);
        const outB = b.alloc(m * dIn);
        const outR = new Float32Array(m * dIn);
        b.sparseDecode(codes, put(b, w), put(b, bDec), dIn, outB);
        reference.sparseDecode(codes, w, bDec, dIn, outR);
        close(outB, outR, 'sparseDecode');

        const g = rng.normals(m * dIn);
        const dotsB = new Float32Array(m * k);
        const dotsR = new Float32Array(m * k);
        b.sparseRowDots(codes.indices, m, k, put(b, g), put(b, w), dIn, dotsB);
        reference.sparseRowDots(codes.indices, m, k, g, w, dIn, dotsR);
        close(dotsB, dotsR, 'sparseRowDots');

        // The fused forward pass equals decode, residual and row dots one after another.
        const want = { err: new Float32Array(m * dIn), dots: new Float32Array(m * k) };
        reference.sparseDecode(codes, w, bDec, dIn, want.err);
        const wantSums = reference.residual(want.err, x, m, dIn, 2 / m);
        reference.sparseRowDots(codes.indices, m, k, want.err, w, dIn, want.dots);
        const got = { err: b.alloc(m * dIn), dots: new Float32Array(m * k) };
        const gotSums = b.reconstruct(codes, put(b, w), put(b, bDec), put(b, x), dIn, 2 / m, got.err, got.dots);
        close(got.err, want.err, 'reconstruct err');
        close(got.dots, want.dots, 'reconstruct dots');
        close([gotSums.sse, gotSums.sumSq], [wantSums.sse, wantSums.sumSq], 'reconstruct sums');
        close(gotSums.errSum, wantSums.errSum, 'reconstruct Σerr');
        close(gotSums.sum, wantSums.sum, 'reconstruct Σx');

        const gradB = b.alloc(dSae * dIn);
        const gradR = new Float32Array(dSae * dIn);
        b.sparseScatterRows(codes.indices, dotsR, m, k, put(b, x), dIn, gradB);
        reference.sparseScatterRows(codes.indices, dotsR, m, k, x, dIn, gradR);
        close(gradB, gradR, 'sparseScatterRows');

        // Large enough to be split across threads, with a tail that is not a whole SIMD block.
        const p = rng.normals(70_003);
        const grad = rng.normals(p.length);
        const [pB, mB, vB] = [put(b, p), b.alloc(p.length), b.alloc(p.length)];
        const [pR, mR, vR] = [p.slice(), new Float32Array(p.length), new Float32Array(p.length)];
        for (let t = 1; t <= 3; t++) {
          const step = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, t };
          b.adamStep(pB, put(b, grad), mB, vB, step);
          reference.adamStep(pR, grad, mR, vR, step);
        }
        close(pB, pR, 'adam param');
        close(vB, vR, 'adam v');

        // Unit-norm rows: 60 rows of dIn, stepped three times, stay at unit norm and match the reference.
        const rows = 60;
        const d0 = rng.normals(rows * dIn);
        const gd = rng.normals(rows * dIn);
        const unit = [put(b, d0), put(b, gd), b.alloc(d0.length), b.alloc(d0.length)] as const;
        const unitR = [d0.slice(), gd.slice(), new Float32Array(d0.length), new Float32Array(d0.length)] as const;
        let before = new Float32Array(0);
        for (let t = 1; t <= 3; t++) {
          const step = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, t };
          before = Float32Array.from(unit[0]);
          b.adamStepUnitRows(...unit, step, dIn);
          reference.adamStepUnitRows(...unitR, step, dIn);
        }
        close(unit[0], unitR[0], 'adamStepUnitRows param');
        close(unit[1], unitR[1], 'adamStepUnitRows projected grad');
        for (let l = 0; l < rows; l++) {
          const row = unit[0].subarray(l * dIn, (l + 1) * dIn);
          const norm = Math.hypot(...row);
          assert.ok(Math.abs(norm - 1) < 1e-5, `row ${l} has norm ${norm}`);
          let along = 0;
          for (let p = 0; p < dIn; p++) along += unit[1][l * dIn + p] * before[l * dIn + p];
          assert.ok(Math.abs(along) < 1e-5, `row ${l}: the gradient keeps a component ${along} along the row`);
        }
      });
    }

    it('center and residual match the reference', () => {
      const rng = new Rng(11);
      const n = 37;
      const dIn = 24;
      const x = rng.normals(n * dIn);
      const shift = rng.normals(dIn);
      const outB = b.alloc(n * dIn);
      const outR = new Float32Array(n * dIn);
      b.center(put(b, x), put(b, shift), n, dIn, outB);
      reference.center(x, shift, n, dIn, outR);
      close(outB, outR, 'center');
      const xhat = rng.normals(n * dIn);
      const errB = put(b, xhat);
      const errR = xhat.slice();
      const got = b.residual(errB, put(b, x), n, dIn, 2 / n);
      const want = reference.residual(errR, x, n, dIn, 2 / n);
      close(errB, errR, 'residual err');
      close([got.sse, got.sumSq], [want.sse, want.sumSq], 'residual sums');
      close(got.sum, want.sum, 'residual Σx');
      close(got.errSum, want.errSum, 'residual Σerr');
    });

    it('propagates NaN like the reference', async () => {
      const x = new Float32Array(2 * 8).fill(1);
      x[3] = NaN;
      const w = new Float32Array(3 * 8).fill(0.5);
      close(
        await b.matmulT(put(b, x), put(b, w), null, 2, 8, 3),
        await reference.matmulT(x, w, null, 2, 8, 3),
        'matmulT NaN',
      );
      const codes: SparseCodes = { n: 1, width: 1, indices: Int32Array.of(1), values: Float32Array.of(NaN) };
      const out = b.alloc(8);
      b.sparseDecode(codes, put(b, w), null, 8, out);
      assert.ok(out.every(Number.isNaN), 'a NaN activation poisons the decoded row');
    });

    it('handles empty batches', async () => {
      assert.equal((await b.matmulT(b.alloc(0), put(b, new Float32Array(24)), null, 0, 8, 3)).length, 0);
      const codes = await b.encodeTopK(b.alloc(0), put(b, new Float32Array(24)), b.alloc(3), 0, 8, 3, 2);
      assert.equal(codes.n, 0);
      assert.equal(codes.indices.length, 0);
    });

    it('rejects ragged shapes, bad k and out-of-range latents with messages naming the op', async () => {
      await assert.rejects(
        b.matmulT(b.alloc(10), b.alloc(24), null, 2, 8, 3),
        (e: unknown) =>
          e instanceof AtlasError && /matmulT: a has 10 values but shape \[2, 8\] needs 16/.test(e.message),
      );
      await assert.rejects(
        b.encodeTopK(b.alloc(16), b.alloc(24), b.alloc(3), 2, 8, 3, 4),
        (e: unknown) => e instanceof AtlasError && /k=4 must be an integer in \[1, 3\]/.test(e.message),
      );
      const codes: SparseCodes = { n: 1, width: 1, indices: Int32Array.of(3), values: Float32Array.of(1) };
      assert.throws(
        () => b.sparseDecode(codes, b.alloc(24), null, 8, b.alloc(8)),
        (e: unknown) =>
          e instanceof AtlasError && /sparseDecode: latent index 3 at entry 0 is outside \[0, 3\)/.test(e.message),
      );
      assert.throws(
        () =>
          b.adamStep(b.alloc(8), b.alloc(7), b.alloc(8), b.alloc(8), {
            lr: 1,
            beta1: 0.9,
            beta2: 0.99,
            eps: 1e-8,
            t: 1,
          }),
        (e: unknown) => e instanceof AtlasError && /adamStep: grad has 7 values/.test(e.message),
      );
    });
  });
}
