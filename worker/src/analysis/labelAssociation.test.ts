import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabelAssociation, shortLabel } from './labelAssociation.js';
import { fromDense } from '../inference/csrCodes.js';

test('a planted feature that fires exactly on one tag scores F1 = 1; a half-overlapping one scores its true P/R', () => {
  const tags = ['NN', 'VBD', 'AT'];
  const rows = 1000;
  const nLatents = 3;
  const dense = new Float32Array(rows * nLatents);
  const pos = new Int32Array(rows);
  const genre = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    pos[r] = r % 3;
    genre[r] = r < 500 ? 0 : 1;
    if (pos[r] === 1) dense[r * nLatents] = 2.5; // feature 0 fires exactly on VBD
    if (r % 2 === 0) dense[r * nLatents + 1] = 1; // feature 1 fires on even rows: half of each tag
    if (r === 5) pos[r] = -1; // an untagged token (an AT row where no planted feature fires)
  }
  const assoc = new LabelAssociation(nLatents, [
    { name: 'pos', values: tags },
    { name: 'genre', values: ['press', 'fiction'] },
  ]);
  const codes = fromDense(dense, nLatents);
  // Observe in two halves: counts must accumulate.
  const half = (a: Int32Array, s: number, e: number) => a.slice(s, e);
  const sub = (s: number, e: number) => fromDense(dense.slice(s * nLatents, e * nLatents), nLatents);
  assoc.observe(sub(0, 400), [half(pos, 0, 400), half(genre, 0, 400)]);
  assoc.observe(sub(400, rows), [half(pos, 400, rows), half(genre, 400, rows)]);
  assert.equal(codes.rows, rows);

  const best = assoc.scores(0)[0];
  assert.deepEqual([best.family, best.label, best.precision, best.recall, best.f1], ['pos', 'VBD', 1, 1, 1]);
  const names: Record<string, string> = { VBD: 'past-tense verb' };
  assert.equal(
    shortLabel(assoc.scores(0), [], (_f, l) => names[l] ?? l),
    'past-tense verb (F1 1.00)',
  );

  const nn = assoc.scores(1).find((s) => s.label === 'NN')!;
  // NN rows: r % 3 == 0 (334 of them); even among them: r % 6 == 0 (167); feature 1 fires on 500 rows.
  assert.equal(nn.support, 167);
  assert.ok(Math.abs(nn.precision - 167 / 500) < 1e-12);
  assert.ok(Math.abs(nn.recall - 167 / 334) < 1e-12);
  assert.deepEqual(assoc.scores(2), []); // never fires
});

test('without a convincing association the label falls back to the most frequent top tokens', () => {
  const weak = [{ family: 'pos', label: 'NN', precision: 0.2, recall: 0.1, f1: 0.13, support: 4 }];
  assert.equal(shortLabel(weak, [' the', ' the', ' a', ' of', ' the', ' a']), '"the" "a" "of"');
  assert.equal(shortLabel(weak, []), 'NN (F1 0.13)');
  assert.equal(shortLabel([], []), undefined);
});
