import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NpyFile, NpyWriter, readNpy, writeNpy } from './npy.js';

const fixtures = new URL('../../test-fixtures/npy/', import.meta.url).pathname;

test('reads float32 written by numpy', () => {
  const { data, shape, dtype } = readNpy(join(fixtures, 'f32_3x4.npy'));
  assert.deepEqual(shape, [3, 4]);
  assert.equal(dtype, 'float32');
  assert.deepEqual([...data], Array.from({ length: 12 }, (_, i) => (i - 5.5) / 4));
});

test('reads float16 written by numpy, including max half and subnormal-range values', () => {
  const { data, shape } = readNpy(join(fixtures, 'f16_2x3.npy'));
  assert.deepEqual(shape, [2, 3]);
  assert.equal(data[0], 0.5);
  assert.equal(data[1], -1.25);
  assert.equal(data[2], 65504);
  assert.ok(Math.abs(data[3] - 1e-4) < 1e-7, `got ${data[3]}`);
  assert.equal(data[5], -2);
});

test('reads int64 token ids', () => {
  const { data } = readNpy(join(fixtures, 'i64_5.npy'));
  assert.deepEqual([...data.subarray(0, 4)], [0, 1, 50256, 7]);
});

test('rejects truncated, Fortran-order and float64 files with the file named', () => {
  assert.throws(() => readNpy(join(fixtures, 'truncated.npy')), /truncated\.npy: truncated: shape \[3, 4\] float32 needs 48 data bytes but the file has 43/);
  assert.throws(() => readNpy(join(fixtures, 'fortran.npy')), /fortran\.npy: array is in Fortran order/);
  assert.throws(() => readNpy(join(fixtures, 'f64.npy')), /dtype '<f8' is not supported/);
});

test('streamed writes are byte-identical to what numpy writes for the same array', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  const path = join(dir, 'out.npy');
  const w = new NpyWriter(path, 'float32', [4]);
  const all = Array.from({ length: 12 }, (_, i) => (i - 5.5) / 4);
  w.append(Float32Array.from(all.slice(0, 8)));
  w.append(Float32Array.from(all.slice(8)));
  w.finish();
  const back = readNpy(path);
  assert.deepEqual(back.shape, [3, 4]);
  assert.deepEqual([...back.data], all);
  // Data bytes equal numpy's (headers differ only in padding width).
  const ours = readFileSync(path);
  const theirs = readFileSync(join(fixtures, 'f32_3x4.npy'));
  assert.deepEqual(ours.subarray(ours.length - 48), theirs.subarray(theirs.length - 48));
});

test('float16 round trip through the writer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  const path = join(dir, 'h.npy');
  writeNpy(path, [0.5, -1.25, 65504, 3.140625], [2, 2], 'float16');
  assert.deepEqual([...readNpy(path).data], [0.5, -1.25, 65504, 3.140625]);
});

test('readRowsInto reads row ranges into a caller buffer (float32 and float16) like readRows', () => {
  for (const name of ['f32_3x4.npy', 'f16_2x3.npy']) {
    const file = new NpyFile(join(fixtures, name));
    const out = new Float32Array(64).fill(-1);
    file.readRowsInto(1, 1, out.subarray(8));
    assert.deepEqual([...out.subarray(8, 8 + file.rowLength)], [...file.readRows(1, 1)]);
    assert.equal(out[8 + file.rowLength], -1, 'nothing written past the rows');
    assert.throws(() => file.readRowsInto(file.rows, 1, out), /outside/);
    file.close();
  }
});
