import type { PoolClient } from 'pg';
import type { StagingIndexes } from '../dictionaryPartitions.js';

/** A column of a bulk load: its name and SQL type (`int`, `real`, `text`, `jsonb`, `vector`, `real[]`, ...). */
export interface BulkColumn {
  name: string;
  type: string;
}

/** Loads many rows into one table as fast as the engine allows. One implementation per engine. */
export interface BulkLoader {
  readonly engine: 'copy' | 'unnest';
  /** When staging tables get their indexes on this engine (see StagingIndexes). */
  readonly stagingIndexes: StagingIndexes;
  /** Insert `rows` (values in `columns` order; null for NULL; arrays for array, vector and halfvec columns). */
  load(client: PoolClient, table: string, columns: BulkColumn[], rows: unknown[][]): Promise<number>;
}

/** A Postgres array literal, e.g. `{"a","b\"c",NULL}`, quoting every element so any text survives. */
export function toArrayLiteral(values: readonly unknown[]): string {
  const parts = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'number')
      return Number.isFinite(v) ? String(v) : v > 0 ? '"Infinity"' : v < 0 ? '"-Infinity"' : '"NaN"';
    return `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}

/** The text form Postgres parses for a value of `type`. */
export function toText(value: unknown, type: string): string | null {
  if (value === null || value === undefined) return null;
  if (type === 'vector' || type === 'halfvec')
    return `[${(value as ArrayLike<number>).length ? Array.from(value as ArrayLike<number>).join(',') : ''}]`;
  if (type.endsWith('[]')) return toArrayLiteral(value as unknown[]);
  if (type === 'jsonb' || type === 'json') return JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** Quote an identifier (table and column names come from code, but quoting keeps odd names safe). */
export function quoteIdent(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}
