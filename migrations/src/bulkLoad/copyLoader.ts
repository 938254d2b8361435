// Bulk load with COPY ... FROM STDIN (text format) through pg-copy-streams: the fastest path on a native PostgreSQL.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { quoteIdent, toText, type BulkColumn, type BulkLoader } from './bulkLoader.js';

/** Escape a value for COPY's text format (backslash, tab, newline, carriage return). */
function copyField(text: string | null): string {
  if (text === null) return '\\N';
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export class CopyLoader implements BulkLoader {
  readonly engine = 'copy' as const;

  async load(client: PoolClient, table: string, columns: BulkColumn[], rows: unknown[][]): Promise<number> {
    const names = columns.map((c) => quoteIdent(c.name)).join(', ');
    const stream = client.query(copyFrom(`COPY ${quoteIdent(table)} (${names}) FROM STDIN`));
    function* lines(): Generator<string> {
      for (const row of rows) yield columns.map((c, i) => copyField(toText(row[i], c.type))).join('\t') + '\n';
    }
    await pipeline(Readable.from(lines()), stream);
    return rows.length;
  }
}
