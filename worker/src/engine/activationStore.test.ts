// The store: deterministic per seed, every row served at the same rate, bounded buffer, normalisation factor.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memorySource } from './activationSource.js';
import { ActivationStore, estimateNormScale } from './activationStore.js';

// Row r is the constant vector r, so a batch shows which rows it holds.
const N = 5000;
const d = 4;
const data = Float32Array.from({ length: N * d }, (_, i) => Math.floor(i / d));
const source = memorySource(data, N, d);

describe('ActivationStore', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const take = (seed: number) => {
      const s = new ActivationStore(source, { batchSize: 100, seed });
      const out = new Float32Array(100 * d);
      s.nextBatch(out);
      s.nextBatch(out);
      return [...out];
    };
    assert.deepEqual(take(1), take(1));
    assert.notDeepEqual(take(1), take(2));
  });

  it('serves every row about equally often, shuffled across chunks, with a bounded buffer', () => {
    const s = new ActivationStore(source, { batchSize: 250, seed: 3, bufferRows: 2048 });
    const out = new Float32Array(250 * d);
    const seen = new Uint16Array(N);
    for (let b = 0; b < 60; b++) {
      // 60 batches × 250 = 3 passes
      s.nextBatch(out);
      for (let r = 0; r < 250; r++) seen[out[r * d]]++;
    }
    const counts = [...seen];
    assert.ok(Math.min(...counts) >= 1, 'every row served');
    assert.ok(Math.max(...counts) <= 6, `no row served far more than 3 times (max ${Math.max(...counts)})`);
    // The first batch mixes rows from several 1024-row chunks.
    const first = new ActivationStore(source, { batchSize: 250, seed: 3, bufferRows: 2048 });
    first.nextBatch(out);
    const chunks = new Set([...Array(250).keys()].map((r) => Math.floor(out[r * d] / 1024)));
    assert.ok(chunks.size >= 2, `first batch draws from ${chunks.size} chunks`);
  });

  it('skip(n) lands where n batches would have', () => {
    const a = new ActivationStore(source, { batchSize: 64, seed: 5 });
    const b = new ActivationStore(source, { batchSize: 64, seed: 5 });
    const out = new Float32Array(64 * d);
    for (let i = 0; i < 7; i++) a.nextBatch(out);
    b.skip(7);
    const oa = new Float32Array(64 * d);
    const ob = new Float32Array(64 * d);
    a.nextBatch(oa);
    b.nextBatch(ob);
    assert.deepEqual([...oa], [...ob]);
  });

  it('normalises so that the mean squared norm is dIn', () => {
    const scale = estimateNormScale(source);
    const s = new ActivationStore(source, { batchSize: 1000, seed: 1, scale });
    const out = new Float32Array(1000 * d);
    let sq = 0;
    for (let b = 0; b < 5; b++) {
      s.nextBatch(out);
      for (const v of out) sq += v * v;
    }
    const meanSq = sq / 5000;
    assert.ok(Math.abs(meanSq / d - 1) < 0.15, `mean ‖x‖² = ${meanSq.toFixed(2)} ≈ dIn = ${d}`);
  });

  it('keeps held-out chunks out of every batch, spread over the corpus, and serves them on request', () => {
    const big = 20_000; // 20 chunks of 1,024 rows (the last one short): a tenth may be held out
    const rows = memorySource(
      Float32Array.from({ length: big * d }, (_, i) => Math.floor(i / d)),
      big,
      d,
    );
    const s = new ActivationStore(rows, { batchSize: 500, seed: 4, holdOutRows: 2048 });
    const held = s.heldOutRows();
    assert.equal(held.n, 2048, 'two whole chunks');
    const heldIds = new Set(Array.from({ length: held.n }, (_, r) => held.rows[r * d]));
    const firstIds = [...heldIds].sort((a, b) => a - b).filter((id) => id % 1024 === 0);
    assert.equal(firstIds.length, 2);
    assert.ok(firstIds[1] - firstIds[0] >= 8 * 1024, `held-out chunks ${firstIds.join(', ')} are spread apart`);
    const out = new Float32Array(500 * d);
    const seen = new Set<number>();
    for (let b = 0; b < 300; b++) {
      s.nextBatch(out);
      for (let r = 0; r < 500; r++) seen.add(out[r * d]);
    }
    for (const id of seen) assert.ok(!heldIds.has(id), `row ${id} is held out but was served for training`);
    assert.equal(seen.size, big - held.n, 'every other row is served (eight passes)');
    assert.equal(new ActivationStore(source, { batchSize: 100, seed: 4, holdOutRows: 2048 }).heldOutRows().n, 0);
  });
});
