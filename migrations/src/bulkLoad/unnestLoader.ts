// Bulk load as `INSERT ... SELECT FROM unnest($1, $2, ...)`: one statement per batch, one parameter per column.
// Used on the embedded database, where COPY FROM STDIN through the socket hangs the process.
import type { PoolClient } from 'pg';
import { quoteIdent, toText, type BulkColumn, type BulkLoader } from './bulkLoader.js';

/** Types whose JS values pg can send directly as a typed array parameter (fast path, no text casts). */
const NATIVE = new Set(['int', 'integer', 'bigint', 'smallint', 'real', 'double precision', 'text', 'boolean']);

/** Rows per statement: large enough to amortise the round trip, small enough to bound memory. */
const BATCH_ROWS = 5000;

export class UnnestLoader implements BulkLoader {
  readonly engine = 'unnest' as const;

  constructor(private readonly batchRows = BATCH_ROWS) {}

  async load(client: PoolClient, table: string, columns: BulkColumn[], rows: unknown[][]): Promise<number> {
    const names = columns.map((c) => quoteIdent(c.name)).join(', ');
    const aliases = columns.map((_, i) => `c${i}`);
    const params = columns
      .map((c, i) => (NATIVE.has(c.type) ? `$${i + 1}::${c.type}[]` : `$${i + 1}::text[]`))
      .join(', ');
    const select = columns.map((c, i) => (NATIVE.has(c.type) ? aliases[i] : `${aliases[i]}::${c.type}`)).join(', ');
    const sql = `INSERT INTO ${quoteIdent(table)} (${names}) SELECT ${select} FROM unnest(${params}) AS u(${aliases.join(', ')})`;
    for (let start = 0; start < rows.length; start += this.batchRows) {
      const batch = rows.slice(start, start + this.batchRows);
      const values = columns.map((c, i) =>
        NATIVE.has(c.type) ? batch.map((r) => r[i] ?? null) : batch.map((r) => toText(r[i], c.type)),
      );
      await client.query(sql, values);
    }
    return rows.length;
  }
}
