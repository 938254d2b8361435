import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { halfToFloat, floatToHalf } from './dtype.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { SafetensorsRowWriter } from './safetensorsRowWriter.js';

const dir = mkdtempSync(join(tmpdir(), 'formats-rows-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('writes the same bytes as writeSafetensors, with skipped rows as zeros', () => {
  const rows = [
    [0.1, -2, 3],
    [0, 0, 0],
    [4.5, 1e-3, -7],
    [0, 0, 0],
  ];
  const streamed = join(dir, 'streamed.safetensors');
  const w = new SafetensorsRowWriter(streamed, 'decoder', [4, 3]);
  w.writeRow(0, rows[0]);
  w.writeRow(2, rows[2]);
  assert.equal(existsSync(streamed), false, 'nothing at the path before close');
  w.close();
  const whole = join(dir, 'whole.safetensors');
  writeSafetensors(whole, { decoder: { data: Float32Array.from(rows.flat()), shape: [4, 3] } });
  assert.deepEqual(readFileSync(streamed), readFileSync(whole));

  const half = join(dir, 'half.safetensors');
  const h = new SafetensorsRowWriter(half, 'W_dec', [2, 3], 'float16');
  h.writeRow(1, rows[2]);
  h.close();
  const t = readSafetensors(half).tensors.get('W_dec')!;
  assert.deepEqual([...t.data], [0, 0, 0, ...rows[2].map((v) => halfToFloat(floatToHalf(v)))]);
  const bad = new SafetensorsRowWriter(join(dir, 'bad.safetensors'), 'x', [2, 3]);
  assert.throws(() => bad.writeRow(0, [1]), /row 0 has 1 values, expected 3/);
  assert.throws(() => bad.writeRow(5, [1, 2, 3]), /row 5 is before row 0 or past 2 rows/);
  bad.abort();
  assert.equal(existsSync(join(dir, 'bad.safetensors.partial')), false);
});
