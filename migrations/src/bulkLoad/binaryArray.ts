// One-dimensional Postgres arrays in the binary wire format (array_recv), sent as Buffer parameters: pg marks
// Buffer parameters binary, so the server reads numbers with float4recv/int4recv instead of parsing text.
// Measured on PGlite: float4in is ~3 µs a value, the bottleneck of loading activation windows as text.

/** Element types we encode, with their type OIDs (pg_type.oid, fixed for built-in types). */
export const ELEMENT_TYPES = {
  int2: { oid: 21, size: 2 },
  int4: { oid: 23, size: 4 },
  int8: { oid: 20, size: 8 },
  float4: { oid: 700, size: 4 },
  float8: { oid: 701, size: 8 },
  bool: { oid: 16, size: 1 },
  text: { oid: 25, size: -1 },
} as const;

export type ElementType = keyof typeof ELEMENT_TYPES;

/** The element type for a SQL scalar type name, or undefined when it has no binary encoding here. */
export function elementTypeOf(sqlType: string): ElementType | undefined {
  switch (sqlType) {
    case 'smallint':
    case 'int2':
      return 'int2';
    case 'int':
    case 'integer':
    case 'int4':
      return 'int4';
    case 'bigint':
    case 'int8':
      return 'int8';
    case 'real':
    case 'float4':
      return 'float4';
    case 'double precision':
    case 'float8':
      return 'float8';
    case 'boolean':
    case 'bool':
      return 'bool';
    case 'text':
      return 'text';
    default:
      return undefined;
  }
}

/** Anything indexable with a length: a plain array or a typed array. */
export type Values = ArrayLike<unknown>;

function writeElement(out: Buffer, at: number, type: ElementType, value: unknown): number {
  switch (type) {
    case 'int2':
      return out.writeInt16BE(value as number, at);
    case 'int4':
      return out.writeInt32BE(value as number, at);
    case 'int8':
      return out.writeBigInt64BE(BigInt(value as number | bigint), at);
    case 'float4':
      return out.writeFloatBE(value as number, at);
    case 'float8':
      return out.writeDoubleBE(value as number, at);
    case 'bool':
      return out.writeUInt8(value ? 1 : 0, at);
    case 'text':
      return at + out.write(value as string, at, 'utf8');
  }
}

/**
 * `values` as a binary one-dimensional array of `type` (null and undefined become NULL elements). Text elements
 * must not contain NUL, which Postgres text cannot hold either.
 */
export function encodeArray(type: ElementType, values: Values): Buffer {
  const { oid, size } = ELEMENT_TYPES[type];
  const n = values.length;
  let bytes = n === 0 ? 12 : 20;
  let hasNull = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      hasNull = 1;
      bytes += 4;
    } else bytes += 4 + (size >= 0 ? size : Buffer.byteLength(v as string, 'utf8'));
  }
  const out = Buffer.allocUnsafe(bytes);
  out.writeInt32BE(n === 0 ? 0 : 1, 0);
  out.writeInt32BE(hasNull, 4);
  out.writeInt32BE(oid, 8);
  if (n === 0) return out;
  out.writeInt32BE(n, 12);
  out.writeInt32BE(1, 16); // lower bound
  let at = 20;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      at = out.writeInt32BE(-1, at);
      continue;
    }
    const start = at + 4;
    const end = writeElement(out, start, type, v);
    out.writeInt32BE(end - start, at);
    at = end;
  }
  return out;
}

/**
 * Many per-row arrays as one flat binary array plus each row's 0-based offset and length (NULL for a NULL row),
 * so SQL takes row i as `flat[offset+1 : offset+length]`: O(length) for fixed-size elements.
 */
export function encodeFlat(
  type: ElementType,
  rows: readonly (Values | null | undefined)[],
): { flat: Buffer; offsets: Buffer; lengths: Buffer } {
  let total = 0;
  let hasNull = false;
  const offsets: (number | null)[] = new Array(rows.length);
  const lengths: (number | null)[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    offsets[i] = r == null ? null : total;
    lengths[i] = r == null ? null : r.length;
    if (r == null) continue;
    total += r.length;
    if (!hasNull) for (let j = 0; j < r.length; j++) if (r[j] == null) hasNull = true;
  }
  const index = { offsets: encodeArray('int4', offsets), lengths: encodeArray('int4', lengths) };
  if (type === 'float4' && !hasNull && total > 0) return { flat: encodeFloat4(rows, total), ...index };
  const flat: unknown[] = new Array(total);
  let at = 0;
  for (const r of rows) if (r != null) for (let j = 0; j < r.length; j++) flat[at++] = r[j];
  return { flat: encodeArray(type, flat), ...index };
}

/** The float4 fast path of encodeFlat (activations, decoder rows): no intermediate array, no per-element dispatch. */
function encodeFloat4(rows: readonly (Values | null | undefined)[], total: number): Buffer {
  const out = Buffer.allocUnsafe(20 + 8 * total);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setInt32(0, 1);
  view.setInt32(4, 0);
  view.setInt32(8, ELEMENT_TYPES.float4.oid);
  view.setInt32(12, total);
  view.setInt32(16, 1);
  let at = 20;
  for (const r of rows) {
    if (r == null) continue;
    for (let j = 0; j < r.length; j++, at += 8) {
      view.setInt32(at, 4);
      view.setFloat32(at + 4, r[j] as number);
    }
  }
  return out;
}
