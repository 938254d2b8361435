import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeNpy } from '../formats/npy.js';
import { trainingDocuments } from './trainingDocuments.js';

/** A weights folder whose cfg.json points at an activation folder of two shards with (document, offset) rows. */
function folders(o: { positions?: boolean; record?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'training-docs-'));
  const acts = join(root, 'acts');
  const sae = join(root, 'sae');
  mkdirSync(acts);
  mkdirSync(sae);
  const shards = [
    [3, 0, 3, 1, 5, 0],
    [5, 1, 12, 7],
  ].map((rows, i) => {
    if (o.positions !== false) writeNpy(join(acts, `positions-${i}.npy`), rows, [rows.length / 2, 2], 'int32');
    return { acts: `acts-${i}.npy`, rows: rows.length / 2, ...(o.positions !== false && { positions: `positions-${i}.npy` }) }; // prettier-ignore
  });
  const provenance = { model: 'builtin:tiny-brown', hook: 'blocks.0.mlp.hook_post', tokenizer: 'bpe#1', contextSize: 64, prependBos: true, corpus: 'brown' }; // prettier-ignore
  writeFileSync(join(acts, 'manifest.json'), JSON.stringify({ format: 'atlas-activations/1', dIn: 4, dtype: 'float32', totalRows: 5, shards, provenance })); // prettier-ignore
  writeFileSync(
    join(sae, 'cfg.json'),
    JSON.stringify({ d_in: 4, atlas: o.record === false ? {} : { activations: acts } }),
  );
  return sae;
}

test('the documents a dictionary was trained on come from its activation folder’s positions', () => {
  const got = trainingDocuments(folders());
  assert.equal(got?.corpus, 'brown');
  assert.deepEqual(
    [...(got?.documents ?? [])].sort((a, b) => a - b),
    [3, 5, 12],
  );
});

test('a folder that does not record its training text, or rows without positions, give null (unknown)', () => {
  assert.equal(trainingDocuments(folders({ record: false })), null);
  assert.equal(trainingDocuments(folders({ positions: false })), null);
  assert.equal(trainingDocuments(join(tmpdir(), 'no-such-sae-folder')), null);
});
