import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, SafetensorsFile, writeSafetensors } from './safetensors.js';

test('writes and reads back tensors of several dtypes with metadata', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-'));
  const path = join(dir, 'w.safetensors');
  writeSafetensors(
    path,
    {
      W_dec: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] },
      b_dec: { data: [0.5, -0.25, 8], shape: [3], dtype: 'float16' },
      b16: { data: [1.5, -3], shape: [2], dtype: 'bfloat16' },
    },
    { format: 'pt' },
  );
  const { tensors, metadata } = readSafetensors(path);
  assert.equal(metadata.format, 'pt');
  assert.deepEqual(tensors.get('W_dec')!.shape, [2, 3]);
  assert.deepEqual([...tensors.get('W_dec')!.data], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...tensors.get('b_dec')!.data], [0.5, -0.25, 8]);
  assert.deepEqual([...tensors.get('b16')!.data], [1.5, -3]);
  const f = new SafetensorsFile(path);
  assert.deepEqual([...f.readRows('W_dec', 1, 1)], [4, 5, 6]);
  f.close();
  // Header layout per the spec: u64 length, JSON, data starting 8-byte aligned.
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0);
  assert.ok(JSON.parse(bytes.subarray(8, 8 + n).toString()).W_dec.data_offsets);
});

test('rejects truncated files and names the tensor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-'));
  const path = join(dir, 'w.safetensors');
  writeSafetensors(path, { W_enc: { data: new Float32Array(64), shape: [8, 8] } });
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.length - 10));
  assert.throws(() => readSafetensors(path), /w\.safetensors: truncated: tensor 'W_enc' ends at byte/);
  writeFileSync(path, Buffer.from('nonsense'));
  assert.throws(() => readSafetensors(path), /header length .* exceeds the file/);
});
