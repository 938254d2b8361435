// Import of numpy-written fixtures (worker/test-fixtures/acts, made with numpy.save; see its README)
// and every bad-input case with the message a user sees.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AtlasError } from '../errors.js';
import { readNpy } from '../formats/npy.js';
import { writeSafetensors } from '../formats/safetensors.js';
import { loadCorpusCache } from './corpusCache.js';
import { importActivations, type ActivationImportOptions } from './importActivations.js';

// Every file a test writes lives under one folder, removed when the file's tests end.
const scratch = mkdtempSync(join(tmpdir(), 'atlas-importActivations-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const fx = (f: string) => resolve(dirname(fileURLToPath(import.meta.url)), '../../test-fixtures/acts', f);
const expected = Array.from({ length: 24 }, (_, i) => (i - 10) / 8);
const workDir = mkdtempSync(join(scratch, 'import-'));
let n = 0;
const outDir = () => join(workDir, `out${n++}`);

function run(o: Partial<ActivationImportOptions>) {
  return importActivations({
    acts: fx('acts_f32_6x4.npy'),
    tokens: fx('tokens_i64_6.npy'),
    out: outDir(),
    shardRows: 4,
    ...o,
  });
}

function rejects(o: Partial<ActivationImportOptions>, code: string, message: RegExp) {
  const out = outDir();
  assert.throws(
    () => run({ ...o, out }),
    (err: AtlasError) => {
      assert.equal(err.code, code);
      assert.match(err.message, message);
      return true;
    },
  );
  assert.ok(!existsSync(out) && !existsSync(`${out}.partial`), 'nothing is left behind');
}

test('a float32 .npy written by numpy imports with the right values, ids and positions, in shards', () => {
  const out = outDir();
  const m = run({ out });
  assert.equal(m.totalRows, 6);
  assert.equal(m.dIn, 4);
  assert.deepEqual(
    m.shards.map((s) => s.rows),
    [4, 2],
  );
  const acts = [...readNpy(join(out, 'acts-00000.npy')).data, ...readNpy(join(out, 'acts-00001.npy')).data];
  assert.deepEqual(acts, expected);
  assert.deepEqual([...readNpy(join(out, 'tokens-00000.npy')).data], [5, 1, 4, 1]);
  assert.deepEqual([...readNpy(join(out, 'positions-00001.npy')).data], [0, 4, 0, 5]);
  assert.ok(!readdirSync(workDir).some((f) => f.endsWith('.partial')));
});

test('float16, 3-D [sequences, seq_len, d_in], 2-D ids, document starts and token strings', async () => {
  const f16 = outDir();
  const m = run({ acts: fx('acts_f16_6x4.npy'), out: f16 });
  assert.equal(m.dtype, 'float16');
  assert.deepEqual([...readNpy(join(f16, 'acts-00000.npy')).data], expected.slice(0, 16));
  const seq = outDir();
  run({ acts: fx('acts_f32_2x3x4.npy'), tokens: fx('tokens_i32_2x3.npy'), out: seq });
  assert.deepEqual([...readNpy(join(seq, 'positions-00000.npy')).data], [0, 0, 0, 1, 0, 2, 1, 0]);
  const withDocs = outDir();
  const strings = join(workDir, 'vocab.json');
  writeFileSync(strings, JSON.stringify(['<pad>', ' one', 'x', 'y', ' four', ' five', 'z', 'w', 'v', ' nine']));
  run({ docStarts: fx('doc_starts_i64.npy'), tokenStrings: strings, out: withDocs });
  assert.deepEqual([...readNpy(join(withDocs, 'positions-00000.npy')).data], [0, 0, 0, 1, 1, 0, 1, 1]);
  const docs = await loadCorpusCache(join(withDocs, 'documents.jsonl'));
  assert.equal(docs[1].text, ' four one five nine');
  assert.equal(docs[1].text.slice(docs[1].starts[2], docs[1].ends[2]), ' five');
});

test('.safetensors activations import by tensor name', () => {
  const path = join(workDir, 'acts.safetensors');
  writeSafetensors(path, {
    'blocks.0.mlp.hook_post': { data: Float32Array.from(expected), shape: [6, 4] },
    other: { data: [1], shape: [1] },
  });
  const out = outDir();
  run({ acts: path, tensor: 'blocks.0.mlp.hook_post', out });
  assert.deepEqual([...readNpy(join(out, 'acts-00000.npy')).data], expected.slice(0, 16));
  const seq = join(workDir, 'seq.safetensors');
  writeSafetensors(seq, { acts: { data: Float32Array.from(expected), shape: [2, 3, 4], dtype: 'bfloat16' } });
  const seqOut = outDir();
  const m = run({ acts: seq, tokens: fx('tokens_i32_2x3.npy'), out: seqOut, shardRows: 5 });
  assert.equal(m.dtype, 'float32');
  assert.deepEqual([...readNpy(join(seqOut, 'acts-00001.npy')).data], expected.slice(20)); // exact in bfloat16
  assert.deepEqual([...readNpy(join(seqOut, 'positions-00001.npy')).data], [1, 2]);
  rejects(
    { acts: path },
    'ARGUMENT_INVALID',
    /acts\.safetensors holds 2 tensors \(blocks\.0\.mlp\.hook_post, other\); pick one with --tensor/,
  );
});

test('bad inputs fail with one message naming the file, the row and the fix', () => {
  rejects(
    { acts: fx('acts_nan_row3.npy') },
    'SOURCE_NOT_FINITE',
    /acts_nan_row3\.npy: row 3, column 2 is NaN; activations must be finite/,
  );
  rejects({ acts: fx('acts_inf_row5.npy') }, 'SOURCE_NOT_FINITE', /acts_inf_row5\.npy: row 5, column 0 is Infinity/);
  rejects(
    { acts: fx('acts_truncated.npy') },
    'SOURCE_MALFORMED',
    /acts_truncated\.npy: truncated: shape \[6, 4\] float32 needs 96 data bytes but the file has 86/,
  );
  rejects({ acts: fx('acts_f64_6x4.npy') }, 'SOURCE_MALFORMED', /acts_f64_6x4\.npy: dtype '<f8' is not supported/);
  rejects(
    { acts: fx('acts_i32_6x4.npy') },
    'SOURCE_MALFORMED',
    /acts_i32_6x4\.npy: activations have dtype int32; expected float32 or float16; save them with numpy\.save/,
  );
  rejects(
    { tokens: fx('tokens_i64_5.npy') },
    'SOURCE_SHAPE_MISMATCH',
    /tokens_i64_5\.npy has 5 token ids \[5\] but .*acts_f32_6x4\.npy has 6 rows \[6, 4\]; each activation row needs exactly one token id/,
  );
  rejects(
    { tokens: fx('tokens_f32_6.npy') },
    'SOURCE_MALFORMED',
    /tokens_f32_6\.npy: token ids have dtype float32; expected integers/,
  );
  rejects({ acts: fx('tokens_i64_6.npy') }, 'SOURCE_MALFORMED', /tokens_i64_6\.npy: activations have dtype int64/);
  rejects({ acts: fx('missing.npy') }, 'SOURCE_NOT_FOUND', /missing\.npy: no such activations file/);
  const badIds = join(workDir, 'neg.json');
  writeFileSync(badIds, JSON.stringify([1, 2, -3, 4, 5, 6]));
  rejects({ tokens: badIds }, 'SOURCE_MALFORMED', /neg\.json: row 2 has token id -3; ids must be integers/);
  const badStarts = join(workDir, 'starts.json');
  writeFileSync(badStarts, JSON.stringify([0, 4, 3]));
  rejects(
    { docStarts: badStarts },
    'SOURCE_MALFORMED',
    /starts\.json: entry 2 is 3; document starts must begin at 0 and increase strictly/,
  );
  const shortVocab = join(workDir, 'short.json');
  writeFileSync(shortVocab, JSON.stringify(['a', 'b']));
  rejects(
    { tokenStrings: shortVocab },
    'SOURCE_SHAPE_MISMATCH',
    /short\.json has 2 strings: neither one per row \(6\) nor a vocabulary covering the largest id 9/,
  );
  const out = outDir();
  run({ out });
  assert.throws(() => run({ out }), /already exists; choose another --out or delete it/);
});
