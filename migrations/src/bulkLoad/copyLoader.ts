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
  readonly stagingIndexes = 'at-swap' as const;

  async load(client: PoolClient, table: string, columns: BulkColumn[], rows: unknown[][]): Promise<number> {
    const names = columns.map((c) => quoteIdent(c.name)).join(', ');
    const stream = client.query(copyFrom(`COPY ${quoteIdent(table)} (${names}) FROM STDIN`));
    // Rows go out in ~256 KiB chunks: one CopyData message (and socket write) per row cost ~2x the whole load.
    function* chunks(): Generator<string> {
      let chunk = '';
      for (const row of rows) {
        chunk += columns.map((c, i) => copyField(toText(row[i], c.type))).join('\t') + '\n';
        if (chunk.length >= 1 << 18) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    await pipeline(Readable.from(chunks()), stream);
    return rows.length;
  }
}
