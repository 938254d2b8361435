import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeatureEvidenceCollector, samplePriority, type EvidenceBatch } from './featureEvidence.js';
import { fromDense } from '../inference/csrCodes.js';

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296;
  };
}

/** A corpus of `docs` documents of `len` tokens, with sparse random activations over `nLatents`. */
function corpus(docs: number, len: number, nLatents: number, seed: number) {
  const rand = rng(seed);
  const rows = docs * len;
  const dense = new Float32Array(rows * nLatents);
  for (let i = 0; i < dense.length; i++) if (rand() < 0.08) dense[i] = Math.fround(rand() * 10);
  const docIndex = new Int32Array(rows);
  const docPosition = new Int32Array(rows);
  const tokenIds = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    docIndex[r] = Math.floor(r / len);
    docPosition[r] = r % len;
    tokenIds[r] = Math.floor(rand() * 500);
  }
  return { rows, dense, docIndex, docPosition, tokenIds };
}

function batches(c: ReturnType<typeof corpus>, nLatents: number, size: number): EvidenceBatch[] {
  const out: EvidenceBatch[] = [];
  for (let s = 0; s < c.rows; s += size) {
    const e = Math.min(c.rows, s + size);
    out.push({
      codes: fromDense(c.dense.subarray(s * nLatents, e * nLatents), nLatents),
      tokenIds: c.tokenIds.subarray(s, e),
      docIndex: c.docIndex.subarray(s, e),
      docPosition: c.docPosition.subarray(s, e),
    });
  }
  return out;
}

test('top-N per feature equals brute force, with windows that match the true activations', () => {
  const nLatents = 12;
  const c = corpus(40, 50, nLatents, 1);
  const collector = new FeatureEvidenceCollector({ nLatents, topN: 7, windowBefore: 4, windowAfter: 2 });
  for (const b of batches(c, nLatents, 500)) collector.observe(b); // batches align with documents (50 | 500)
  for (let f = 0; f < nLatents; f++) {
    const all: number[] = [];
    for (let r = 0; r < c.rows; r++) if (c.dense[r * nLatents + f] > 0) all.push(c.dense[r * nLatents + f]);
    all.sort((a, b) => b - a);
    const ev = collector.evidence(f);
    assert.deepEqual(
      ev.top.map((e) => e.value),
      all.slice(0, 7),
      `feature ${f}`,
    );
    assert.equal(ev.density, all.length / c.rows);
    assert.ok(Math.abs(ev.meanActivation - all.reduce((a, b) => a + b, 0) / all.length) < 1e-4);
    assert.equal(ev.maxActivation, all[0]);
    assert.equal(
      ev.histogram.counts.reduce((a, b) => a + b, 0),
      all.length,
    );
    for (const ex of ev.top) {
      assert.equal(ex.activations[ex.position], ex.value);
      for (let i = 0; i < ex.activations.length; i++) {
        const row = ex.docIndex * 50 + ex.tokenStart + i;
        assert.equal(ex.activations[i], c.dense[row * nLatents + f]);
        assert.equal(ex.tokenIds[i], c.tokenIds[row]);
      }
      // Clipped to the document, else 4 before and 2 after.
      assert.equal(ex.position, Math.min(4, ex.tokenStart + ex.position));
      assert.ok(ex.activations.length - ex.position - 1 <= 2);
    }
  }
});

test('quantile bins are ordered weakest to strongest and drawn from the whole distribution', () => {
  const nLatents = 3;
  const c = corpus(100, 100, nLatents, 2);
  const collector = new FeatureEvidenceCollector({ nLatents, quantileBins: 10, perBin: 3, seed: 5 });
  for (const b of batches(c, nLatents, 1000)) collector.observe(b);
  for (let f = 0; f < nLatents; f++) {
    const q = collector.evidence(f).quantiles;
    assert.equal(q.length, 10);
    for (const bin of q) {
      assert.equal(bin.length, 3);
      for (let i = 1; i < bin.length; i++) assert.ok(bin[i - 1].value >= bin[i].value);
    }
    for (let b = 1; b < q.length; b++)
      assert.ok(Math.min(...q[b].map((e) => e.value)) >= Math.max(...q[b - 1].map((e) => e.value)));
    // Values are uniform on (0, 10): a uniform sample puts the weakest bin low and the strongest high.
    assert.ok(q[0][0].value < 3, `weakest bin starts at ${q[0][0].value}`);
    assert.ok(q[9][0].value > 7, `strongest bin tops at ${q[9][0].value}`);
  }
});

test('a feature that never fires has empty evidence, and mismatched batches are refused', () => {
  const collector = new FeatureEvidenceCollector({ nLatents: 2 });
  const codes = fromDense(new Float32Array([1, 0, 2, 0]), 2);
  collector.observe({
    codes,
    tokenIds: new Int32Array([5, 6]),
    docIndex: new Int32Array([0, 0]),
    docPosition: new Int32Array([0, 1]),
  });
  const never = collector.evidence(1);
  assert.deepEqual([never.density, never.maxActivation, never.top.length, never.quantiles.length], [0, 0, 0, 0]);
  assert.throws(
    () =>
      collector.observe({
        codes,
        tokenIds: new Int32Array([5]),
        docIndex: new Int32Array([0, 0]),
        docPosition: new Int32Array([0, 1]),
      }),
    /2 code rows but 1 token ids/,
  );
});

/** Rows [from, to) of a corpus as batches of `size` that carry their first row number. */
function rangeBatches(c: ReturnType<typeof corpus>, nLatents: number, from: number, to: number, size: number) {
  const out: EvidenceBatch[] = [];
  for (let s = from; s < to; s += size) {
    const e = Math.min(to, s + size);
    out.push({
      codes: fromDense(c.dense.subarray(s * nLatents, e * nLatents), nLatents),
      tokenIds: c.tokenIds.subarray(s, e),
      docIndex: c.docIndex.subarray(s, e),
      docPosition: c.docPosition.subarray(s, e),
      firstRow: s,
    });
  }
  return out;
}

test('evidence of token ranges merged equals one pass: top examples, windows, statistics and quantile samples', () => {
  const nLatents = 9;
  const c = corpus(30, 70, nLatents, 7);
  const options = { nLatents, topN: 5, quantileBins: 4, perBin: 2, windowBefore: 6, windowAfter: 3, seed: 11 };
  const single = new FeatureEvidenceCollector(options);
  for (const b of rangeBatches(c, nLatents, 0, c.rows, 333)) single.observe(b);
  // Split points inside documents; each range reads `before`/`after` rows around it as context only.
  const cuts = [0, 517, 1301, c.rows];
  const merged = new FeatureEvidenceCollector(options);
  for (let i = 0; i + 1 < cuts.length; i++) {
    const part = new FeatureEvidenceCollector({ ...options, ownedRows: { start: cuts[i], end: cuts[i + 1] } });
    const from = Math.max(0, cuts[i] - 6);
    const to = Math.min(c.rows, cuts[i + 1] + 3);
    for (const b of rangeBatches(c, nLatents, from, to, 97)) part.observe(b);
    merged.merge(part.state());
  }
  assert.equal(merged.tokenCount, c.rows);
  let sampled = 0;
  for (let f = 0; f < nLatents; f++) {
    const a = single.evidence(f);
    const b = merged.evidence(f);
    assert.deepEqual(b, a, `feature ${f}`);
    assert.equal(a.top.length, 5);
    sampled += a.quantiles.flat().length;
  }
  assert.equal(sampled, nLatents * 8, 'every feature fires often enough to fill its sample');
});

test('the quantile sample is the events of smallest priority: brute force over all firing events agrees', () => {
  const nLatents = 4;
  const c = corpus(20, 60, nLatents, 9);
  const collector = new FeatureEvidenceCollector({ nLatents, quantileBins: 3, perBin: 4, seed: 3 });
  for (const b of rangeBatches(c, nLatents, 0, c.rows, 128)) collector.observe(b);
  for (let f = 0; f < nLatents; f++) {
    const events: { row: number; p: number }[] = [];
    for (let r = 0; r < c.rows; r++)
      if (c.dense[r * nLatents + f] > 0) events.push({ row: r, p: samplePriority(3, r, f) });
    events.sort((x, y) => x.p - y.p || x.row - y.row);
    const want = events
      .slice(0, 12)
      .map((e) => e.row)
      .sort((x, y) => x - y);
    const got = collector
      .evidence(f)
      .quantiles.flat()
      .map((e) => e.row)
      .sort((x, y) => x - y);
    assert.deepEqual(got, want, `feature ${f}`);
  }
});

test('merging evidence collected with other options is refused', () => {
  const a = new FeatureEvidenceCollector({ nLatents: 2, topN: 3 });
  const b = new FeatureEvidenceCollector({ nLatents: 2, topN: 4 });
  assert.throws(() => a.merge(b.state()), /topN \(3 vs 4\)/);
});
