import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapDecoders, pca2 } from './featureMap.js';
import { topCosineNeighbours } from './similarity.js';
import { loadBackend } from '../engine/backendRegistry.js';

function clusters(perCluster: number, d: number, seed: number) {
  let s = seed;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 4294967296 - 0.5;
  const centres = [0, 1, 2].map(() => Array.from({ length: d }, rand));
  const n = perCluster * 3;
  const x = new Float32Array(n * d);
  const label: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    label.push(c);
    for (let j = 0; j < d; j++) x[i * d + j] = centres[c][j] * 4 + rand() * 0.3;
  }
  return { x, n, label };
}

/** Fraction of points whose nearest other point on the map is in the same cluster. */
function neighbourPurity(coords: Float32Array, label: number[]): number {
  let same = 0;
  for (let i = 0; i < label.length; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < label.length; j++) {
      if (i === j) continue;
      const dd = (coords[2 * i] - coords[2 * j]) ** 2 + (coords[2 * i + 1] - coords[2 * j + 1]) ** 2;
      if (dd < bestD) [bestD, best] = [dd, j];
    }
    if (label[best] === label[i]) same++;
  }
  return same / label.length;
}

test('PCA recovers the direction of largest variance', () => {
  // Points on a line along (3, 4)/5 with small noise in the other axis: PC1 coordinate ∝ position on the line.
  const n = 50;
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    x[2 * i] = (i * 3) / 5 + (i % 2 ? 0.01 : -0.01);
    x[2 * i + 1] = (i * 4) / 5;
  }
  const p = pca2(x, n, 2);
  const step = Math.abs(p[2] - p[0]);
  assert.ok(Math.abs(step - 1) < 0.02, `PC1 step ${step}`);
  for (let i = 1; i < n; i++) assert.ok(Math.abs(Math.abs(p[2 * i] - p[2 * (i - 1)]) - 1) < 0.05);
});

test('both methods keep clusters of decoder directions together on the map', async () => {
  const { x, n, label } = clusters(40, 16, 3);
  const umap = await mapDecoders(x, n, 16, { seed: 1 });
  assert.equal(umap.method, 'umap');
  assert.ok(neighbourPurity(umap.coords, label) > 0.95);
  const pca = await mapDecoders(x, n, 16, { umapLimit: 10 });
  assert.equal(pca.method, 'pca');
  assert.ok(neighbourPurity(pca.coords, label) > 0.95);
  assert.ok(umap.coords.every(Number.isFinite));
});

test('UMAP on precomputed exact neighbours keeps clusters together too', async () => {
  const { x, n, label } = clusters(40, 16, 5);
  const knn = topCosineNeighbours(x, n, x, n, 16, 14, { excludeSelf: true });
  const map = await mapDecoders(x, n, 16, { seed: 2, knn });
  assert.equal(map.method, 'umap');
  assert.ok(neighbourPurity(map.coords, label) > 0.95);
});

test('PCA from a scatter matrix on the engine GEMM gives the same map as the plain power iteration', async () => {
  const { x, n } = clusters(50, 24, 6);
  const backend = await loadBackend('auto');
  try {
    const plain = await mapDecoders(x, n, 24, { umapLimit: 10 });
    const gemm = await mapDecoders(x, n, 24, {
      umapLimit: 10,
      gemm: backend,
    });
    assert.equal(gemm.method, 'pca');
    for (let i = 0; i < plain.coords.length; i++)
      assert.ok(Math.abs(gemm.coords[i] - plain.coords[i]) < 1e-3 * (1 + Math.abs(plain.coords[i])), `coord ${i}`);
  } finally {
    backend.dispose();
  }
});
