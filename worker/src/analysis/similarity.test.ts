import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBackend } from '../engine/backendRegistry.js';
import { topCosineNeighbours, topCosineNeighboursOn } from './similarity.js';

function random(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296) * 2 - 1);
}

function bruteForce(
  a: Float32Array,
  nA: number,
  b: Float32Array,
  nB: number,
  d: number,
  k: number,
  excludeSelf: boolean,
) {
  const cos = (i: number, j: number) => {
    let dot = 0,
      na = 0,
      nb = 0;
    for (let t = 0; t < d; t++) {
      dot += a[i * d + t] * b[j * d + t];
      na += a[i * d + t] ** 2;
      nb += b[j * d + t] ** 2;
    }
    return dot / Math.sqrt(na * nb);
  };
  return Array.from({ length: nA }, (_, i) =>
    Array.from({ length: nB }, (_, j) => ({ j, c: cos(i, j) }))
      .filter((x) => !(excludeSelf && x.j === i))
      .sort((x, y) => y.c - x.c)
      .slice(0, k),
  );
}

test('exact top-k cosine neighbours within one dictionary (self excluded) and across two', () => {
  const d = 16;
  const a = random(300 * d, 1);
  const b = random(77 * d, 2);
  for (const [x, nX, y, nY, self] of [
    [a, 300, a, 300, true],
    [a, 300, b, 77, false],
  ] as const) {
    const got = topCosineNeighbours(x, nX, y, nY, d, 5, { excludeSelf: self, block: 64 });
    const want = bruteForce(x, nX, y, nY, d, 5, self);
    for (let i = 0; i < nX; i++)
      for (let r = 0; r < 5; r++) {
        assert.equal(got.indices[i * 5 + r], want[i][r].j, `row ${i} rank ${r}`);
        assert.ok(Math.abs(got.cosines[i * 5 + r] - want[i][r].c) < 1e-5);
      }
  }
});

test('fewer candidates than k pad with -1, and wrong shapes are refused', () => {
  const got = topCosineNeighbours(Float32Array.from([1, 0]), 1, Float32Array.from([0, 1, 1, 1]), 2, 2, 3);
  assert.deepEqual([...got.indices], [1, 0, -1]);
  assert.throws(
    () => topCosineNeighbours(new Float32Array(3), 1, new Float32Array(4), 2, 2, 1),
    /A is 3 values for \[1, 2\]/,
  );
});

test('neighbours on the engine GEMM equal the plain-JS ones', async () => {
  const backend = await loadBackend('auto');
  try {
    const d = 24;
    const a = random(500 * d, 3);
    const b = random(130 * d, 4);
    for (const [x, nX, y, nY, self] of [
      [a, 500, a, 500, true],
      [a, 500, b, 130, false],
    ] as const) {
      const want = topCosineNeighbours(x, nX, y, nY, d, 7, { excludeSelf: self });
      const got = await topCosineNeighboursOn(backend, x, nX, y, nY, d, 7, { excludeSelf: self, block: 96 });
      assert.deepEqual(Array.from(got.indices), Array.from(want.indices));
      for (let i = 0; i < want.cosines.length; i++) assert.ok(Math.abs(got.cosines[i] - want.cosines[i]) < 1e-5);
    }
  } finally {
    backend.dispose();
  }
});
