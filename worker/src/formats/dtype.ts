/** Element types the atlas reads and writes in tensor files. */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'uint16' | 'uint8';

export const bytesPerElement: Record<DType, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int32: 4,
  int64: 8,
  uint16: 2,
  uint8: 1,
};

/** IEEE half -> float (no lookup table: decoding is not the hot path next to the GEMM). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float -> IEEE half, round to nearest even. */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

let halfTable: Float32Array | undefined;

/** Decode `count` elements of `dtype` (little-endian) starting at `bytes` into float32. */
export function decodeToFloat32(bytes: Uint8Array, dtype: DType, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'float32':
      if (bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, count));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'float16': {
      // A 65,536-entry table: checkpoints of billions of halves decode at memory speed.
      const table = (halfTable ??= Float32Array.from({ length: 65536 }, (_, h) => halfToFloat(h)));
      if (bytes.byteOffset % 2 === 0) {
        const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
        for (let i = 0; i < count; i++) out[i] = table[halves[i]];
      } else for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, true)];
      break;
    }
    case 'bfloat16': {
      // bfloat16 is float32's upper half: shift the bits into place (exact).
      const bits = new Uint32Array(out.buffer, out.byteOffset, count);
      if (bytes.byteOffset % 2 === 0) {
        const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
        for (let i = 0; i < count; i++) bits[i] = halves[i] << 16;
      } else for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      break;
    }
    case 'int32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      break;
    case 'int64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      break;
    case 'uint16':
      for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, true);
      break;
    case 'uint8':
      for (let i = 0; i < count; i++) out[i] = bytes[i];
      break;
  }
  return out;
}

/** Encode float values as `dtype` (little-endian) bytes. */
export function encodeFromNumbers(values: ArrayLike<number>, dtype: DType): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n * bytesPerElement[dtype]);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    switch (dtype) {
      case 'float32':
        view.setFloat32(i * 4, v, true);
        break;
      case 'float16':
        view.setUint16(i * 2, floatToHalf(v), true);
        break;
      case 'bfloat16':
        f32[0] = v;
        view.setUint16(i * 2, u32[0] >>> 16, true);
        break;
      case 'int32':
        view.setInt32(i * 4, v, true);
        break;
      case 'int64':
        view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
        break;
      case 'uint16':
        view.setUint16(i * 2, v, true);
        break;
      case 'uint8':
        view.setUint8(i, v);
        break;
    }
  }
  return out;
}
