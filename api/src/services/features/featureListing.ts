// One page of a dictionary's features: filtered, sorted, keyset-paginated with opaque cursors, and counted.
import type { DataSource } from 'typeorm';
import { inFloat32Range } from '../float32.js';
import { MAX_ID } from '../globalId.js';
import { BEST_HELD_OUT_F1, FEATURES_FROM, filterConditions, type FeatureListFilter } from './featureFilter.js';
import { FEATURE_COLUMNS, toFeature, type FeatureRow, type Raw } from './featureRow.js';

export type FeatureOrderKey =
  'INDEX' | 'DENSITY_DESC' | 'DENSITY_ASC' | 'MAX_ACTIVATION_DESC' | 'BEST_HELD_OUT_F1_DESC';

/** Sort expression and direction per order; NULLs sort as -1 so keyset comparisons stay total. */
const ORDERS: Record<FeatureOrderKey, { expr: string; desc: boolean }> = {
  INDEX: { expr: 'index', desc: false },
  DENSITY_DESC: { expr: 'coalesce(density, -1)', desc: true },
  DENSITY_ASC: { expr: 'coalesce(density, -1)', desc: false },
  MAX_ACTIVATION_DESC: { expr: 'coalesce(max_activation, -1)', desc: true },
  // Features never scored sort last.
  BEST_HELD_OUT_F1_DESC: { expr: `coalesce(${BEST_HELD_OUT_F1}, -1)`, desc: true },
};

export function encodeCursor(value: number, index: number): string {
  return Buffer.from(JSON.stringify([value, index])).toString('base64url');
}

/** The cursor's [sort value, index], or undefined if it is not one `order` could have written (a forged value
 *  outside what the sort column holds would fail in the database rather than as the client's mistake). */
export function decodeCursor(cursor: string, order: FeatureOrderKey): [number, number] | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const isIndex = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= MAX_ID;
    if (Array.isArray(v) && v.length === 2 && isIndex(v[1]))
      if (order === 'INDEX' ? isIndex(v[0]) : typeof v[0] === 'number' && inFloat32Range(v[0])) return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  return undefined;
}

/** One page of a dictionary's features with keyset pagination, and the filter's total count. */
export async function listFeatures(
  ds: DataSource,
  dictionaryId: number,
  filter: FeatureListFilter,
  order: FeatureOrderKey,
  first: number,
  after: [number, number] | undefined,
): Promise<{ rows: { feature: FeatureRow; cursor: string }[]; totalCount: number; hasNextPage: boolean }> {
  const { where, params } = filterConditions(dictionaryId, filter);
  const countRows: Raw[] = await ds.query(
    `SELECT count(*)::int AS n FROM ${FEATURES_FROM} WHERE ${where.join(' AND ')}`,
    params,
  );
  const { expr, desc } = ORDERS[order];
  if (after) {
    params.push(after[0], after[1]);
    const [v, i] = [`$${params.length - 1}`, `$${params.length}`];
    where.push(desc ? `(${expr} < ${v} OR (${expr} = ${v} AND index > ${i}))` : `(${expr}, index) > (${v}, ${i})`);
  }
  params.push(first + 1);
  const rows: Raw[] = await ds.query(
    `SELECT ${FEATURE_COLUMNS}, ${expr} AS sort_value FROM ${FEATURES_FROM} WHERE ${where.join(' AND ')}
     ORDER BY ${expr} ${desc ? 'DESC' : 'ASC'}, index ASC LIMIT $${params.length}`,
    params,
  );
  return {
    rows: rows.slice(0, first).map((r) => ({
      feature: toFeature(r),
      cursor: encodeCursor(Number(r.sort_value), r.index as number),
    })),
    totalCount: countRows[0].n as number,
    hasNextPage: rows.length > first,
  };
}
