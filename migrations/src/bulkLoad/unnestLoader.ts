// Bulk load as `INSERT ... SELECT FROM unnest($1, $2, ...)`: one statement per batch, whole columns as binary
// array parameters. Used on the embedded database, where COPY FROM STDIN through the socket hangs the process.
// Numbers travel binary (no float4in: the cost that capped activation windows at ~3,000 rows/s as text);
// per-row number arrays and vectors go as one flat array sliced per row; per-row text arrays as one joined
// string split by a separator absent from the batch (string_to_array is far cheaper than parsing `{"a","b"}`).
import type { PoolClient } from 'pg';
import { elementTypeOf, encodeArray, encodeFlat, type ElementType, type Values } from './binaryArray.js';
import { quoteIdent, toArrayLiteral, toText, type BulkColumn, type BulkLoader } from './bulkLoader.js';

/** Most rows per statement: large enough to amortise the round trip, small enough to bound memory (~2 MB each). */
const BATCH_ROWS = 5000;
/**
 * Server time a statement takes when nobody waits. The embedded engine runs one statement at a time, in arrival
 * order, so a reader waits behind at most one batch per query. Rows per statement follow from the rate measured on
 * the server (an index maintained row by row, HNSW above all, makes rows far costlier than plain ones).
 */
const STATEMENT_MS = 40;
/**
 * While others keep the engine busy, a batch waits its turn behind their statements (a whole round of 50 readers'
 * queries under the api bench); it may then run for this share of that wait. Readers then wait about 1 + share
 * times as long as with no ingest (the goal: within 2x), and the ingest still gets about a third of the engine
 * instead of one short slot per round.
 */
const WAIT_SHARE = 0.5;
/** The longest a batch may run, however long the queue. */
const MAX_STATEMENT_MS = 1000;
/** First statement on a table, before its rate is known, and the fewest rows per statement. */
const FIRST_ROWS = 64;
const MIN_ROWS = 8;
/** The batch grows at most this much per statement, so one misleadingly fast statement cannot make a long one. */
const MAX_GROWTH = 4;

export interface BatchLimits {
  maxRows: number;
  statementMs: number;
  waitShare: number;
}

/** Rows for the next statement on a table, from the last one's: `serverMs` it ran, `waitMs` it queued behind others. */
export function nextBatchRows(last: { rows: number; serverMs: number; waitMs: number }, limits: BatchLimits): number {
  const budget = Math.min(MAX_STATEMENT_MS, Math.max(limits.statementMs, last.waitMs * limits.waitShare));
  const next = Math.floor((last.rows * budget) / Math.max(last.serverMs, 1));
  return Math.max(MIN_ROWS, Math.min(next, last.rows * MAX_GROWTH, limits.maxRows));
}

/** Separators tried for text arrays, in order; a batch whose text contains all of them is sent as literals. */
const SEPARATORS = ['\x1f', '\x1e', '\x1d', '\x1c', '\u{e000}', '\u{e001}'];

/** One column of one batch: unnest arguments (with their SQL types), parameters outside unnest, the SELECT expression. */
interface ColumnPart {
  unnested: { value: unknown; type: string }[];
  direct: { value: unknown; type: string }[];
  /** The SELECT expression; `u(k)` names the k-th unnested value of this column, `p(k)` the k-th direct one. */
  expr: (u: (k: number) => string, p: (k: number) => string) => string;
}

/** The element type of a per-row array column whose elements travel binary (`real[]`, `int[]`; vectors as float4). */
function flatElementType(type: string): ElementType | undefined {
  if (type === 'vector' || type === 'halfvec') return 'float4';
  if (!type.endsWith('[]')) return undefined;
  const element = elementTypeOf(type.slice(0, -2));
  return element === 'text' ? undefined : element;
}

/** Any of SEPARATORS (one test per row in the common case where no token holds one). */
const ANY_SEPARATOR = new RegExp(`[${SEPARATORS.join('')}]`, 'u');

/** A character that occurs in no string of `rows`, or undefined. */
function freeSeparator(rows: readonly (readonly string[])[]): string | undefined {
  const used = new Set<string>();
  for (const r of rows) {
    if (!ANY_SEPARATOR.test(r.join(''))) continue;
    for (const s of r) for (const sep of SEPARATORS) if (s.includes(sep)) used.add(sep);
  }
  return SEPARATORS.find((s) => !used.has(s));
}

function textArrayPart(values: unknown[]): ColumnPart {
  const rows = values as (readonly (string | null)[] | null)[];
  const plain = rows.every((r) => r == null || r.every((s) => typeof s === 'string'));
  const sep = plain ? freeSeparator(rows.filter((r): r is string[] => r != null)) : undefined;
  if (sep === undefined)
    return {
      unnested: [
        {
          value: encodeArray(
            'text',
            rows.map((r) => (r == null ? null : toArrayLiteral(r))),
          ),
          type: 'text[]',
        },
      ],
      direct: [],
      expr: (u) => `${u(0)}::text[]`,
    };
  return {
    unnested: [
      {
        value: encodeArray(
          'text',
          rows.map((r) => (r == null ? null : r.join(sep))),
        ),
        type: 'text[]',
      },
      {
        value: encodeArray(
          'int4',
          rows.map((r) => (r == null ? null : r.length)),
        ),
        type: 'int[]',
      },
    ],
    direct: [{ value: sep, type: 'text' }],
    // Zero and one element are the cases a joined string cannot tell apart ('' is both {} and {""}).
    expr: (u, p) =>
      `CASE ${u(1)} WHEN 0 THEN '{}'::text[] WHEN 1 THEN ARRAY[${u(0)}] ELSE string_to_array(${u(0)}, ${p(0)}) END`,
  };
}

function columnPart(column: BulkColumn, values: unknown[]): ColumnPart {
  const scalar = elementTypeOf(column.type);
  if (scalar)
    return {
      unnested: [{ value: encodeArray(scalar, values), type: `${column.type}[]` }],
      direct: [],
      expr: (u) => u(0),
    };
  const element = flatElementType(column.type);
  if (element) {
    const { flat, offsets, lengths } = encodeFlat(element, values as (Values | null)[]);
    const cast = column.type.endsWith('[]') ? '' : `::${column.type}`;
    return {
      unnested: [
        { value: offsets, type: 'int[]' },
        { value: lengths, type: 'int[]' },
      ],
      direct: [{ value: flat, type: `${element}[]` }],
      expr: (u, p) => `(${p(0)}[${u(0)} + 1 : ${u(0)} + ${u(1)}])${cast}`,
    };
  }
  if (column.type === 'text[]') return textArrayPart(values);
  return {
    unnested: [
      {
        value: encodeArray(
          'text',
          values.map((v) => toText(v, column.type)),
        ),
        type: 'text[]',
      },
    ],
    direct: [],
    expr: (u) => `${u(0)}::${column.type}`,
  };
}

/** The statement and parameters inserting `batch` into `table`. */
export function unnestStatement(
  table: string,
  columns: BulkColumn[],
  batch: unknown[][],
): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const args: string[] = [];
  const aliases: string[] = [];
  const exprs: string[] = [];
  const parts = columns.map((c, i) =>
    columnPart(
      c,
      batch.map((r) => r[i]),
    ),
  );
  // Direct parameters first so each part's numbering is known before its expression is written.
  const directAt = parts.map((part) =>
    part.direct.map((d) => {
      values.push(d.value);
      return `$${values.length}::${d.type}`;
    }),
  );
  parts.forEach((part, i) => {
    const names = part.unnested.map((arg, k) => {
      values.push(arg.value);
      args.push(`$${values.length}::${arg.type}`);
      aliases.push(`c${i}_${k}`);
      return `u.c${i}_${k}`;
    });
    exprs.push(
      part.expr(
        (k) => names[k],
        (k) => `(${directAt[i][k]})`,
      ),
    );
  });
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const sql = `INSERT INTO ${quoteIdent(table)} (${names}) SELECT ${exprs.join(', ')} FROM unnest(${args.join(', ')}) AS u(${aliases.join(', ')})`;
  return { sql, values };
}

export class UnnestLoader implements BulkLoader {
  readonly engine = 'unnest' as const;
  readonly stagingIndexes = 'before-load' as const;
  /** Rows per batch the last statement on each table suggests. */
  private readonly batchRows = new Map<string, number>();

  private readonly limits: BatchLimits;

  constructor(maxRows = BATCH_ROWS, statementMs = STATEMENT_MS, waitShare = WAIT_SHARE) {
    this.limits = { maxRows, statementMs, waitShare };
  }

  async load(client: PoolClient, table: string, columns: BulkColumn[], rows: unknown[][]): Promise<number> {
    // Encode the next batch while the previous one runs: when the database is another process (the embedded
    // server of `npm start`, or PostgreSQL), the two overlap.
    let running: Promise<unknown> = Promise.resolve();
    try {
      for (let start = 0; start < rows.length;) {
        const size = Math.min(this.limits.maxRows, this.batchRows.get(table) ?? FIRST_ROWS);
        const batch = rows.slice(start, start + size);
        const { sql, values } = unnestStatement(table, columns, batch);
        start += size;
        await running;
        running = this.run(client, table, batch.length, sql, values);
      }
    } finally {
      await running;
    }
    return rows.length;
  }

  /** Run one batch and size the next from its time on the server and its wait in the engine's queue. */
  private async run(client: PoolClient, table: string, size: number, sql: string, values: unknown[]): Promise<void> {
    const sent = performance.now();
    const { rows } = await client.query<{ ms: number }>(
      `WITH inserted AS (${sql} RETURNING 1)
       SELECT count(*), extract(epoch FROM clock_timestamp() - statement_timestamp())::float8 * 1000 AS ms FROM inserted`,
      values,
    );
    const serverMs = rows[0].ms;
    const waitMs = Math.max(0, performance.now() - sent - serverMs);
    this.batchRows.set(table, nextBatchRows({ rows: size, serverMs, waitMs }, this.limits));
  }
}
