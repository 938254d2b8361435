// float16 and bfloat16 decode exactly: every one of the 65,536 bit patterns, at even and odd byte offsets, against
// the definitions (IEEE half by its fields; bfloat16 as the upper half of a float32).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeToFloat32 } from './dtype.js';

/** IEEE 754 binary16 from its sign, exponent and fraction fields. */
function halfByFields(h: number): number {
  const sign = h >> 15 ? -1 : 1;
  const exponent = (h >> 10) & 31;
  const fraction = h & 1023;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return exponent === 0 ? sign * fraction * 2 ** -24 : sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

test('every float16 and bfloat16 bit pattern decodes exactly, at any byte offset', () => {
  const bytes = new Uint8Array(1 + 65536 * 2);
  const view = new DataView(bytes.buffer);
  for (let h = 0; h < 65536; h++) {
    view.setUint16(h * 2, h, true);
  }
  const odd = new Uint8Array(bytes.length);
  odd.set(bytes.subarray(0, 65536 * 2), 1);
  const bits = new DataView(new ArrayBuffer(4));
  for (const input of [bytes.subarray(0, 65536 * 2), odd.subarray(1)]) {
    const half = decodeToFloat32(input, 'float16', 65536);
    const brain = decodeToFloat32(input, 'bfloat16', 65536);
    for (let h = 0; h < 65536; h++) {
      const expected = halfByFields(h);
      assert.ok(Object.is(half[h], expected) || (Number.isNaN(expected) && Number.isNaN(half[h])), `half ${h}`);
      bits.setUint32(0, h << 16);
      const b = bits.getFloat32(0);
      assert.ok(Object.is(brain[h], b) || (Number.isNaN(b) && Number.isNaN(brain[h])), `bfloat16 ${h}`);
    }
  }
});
