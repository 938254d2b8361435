// Writing a dictionary's evaluation numbers: a re-run of one kind replaces that kind's rows in one transaction, so
// readers see the old numbers or the new ones, never a mix.
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { BulkColumn, BulkLoader } from '../bulkLoad/bulkLoader.js';
import { EVALUATION_KINDS, type EvaluationKind } from '../entities/evaluation.entity.js';
import { AtlasError } from '../errors.js';

/** Where rows are written: an open database (OpenDatabase has both). */
export interface EvaluationTarget {
  dataSource: DataSource;
  bulkLoader: BulkLoader;
}

/** One number of an evaluation as stored and read (the contract of issue 17): the worker's rows, the api's. */
export interface EvaluationRecord {
  dictionaryId: number;
  kind: EvaluationKind;
  metric: string;
  /** A class (POS tag, genre) for a per-class row; null for the aggregate. */
  subject: string | null;
  value: number;
  /** The evaluation's configuration, e.g. `{ k: [1, 2, 5], seed, l2, testFraction }`. */
  settings: Record<string, unknown>;
  /** What held-out text it ran on, for a person: "brown: 100 held-out documents (every 5th), 51,200 tokens". */
  corpusSlice: string;
  model: string;
  codeVersion: string;
  createdAt: Date;
}

/** A row to save: created_at is stamped on write; dictionary and kind, when given, must be the ones saved. */
export type EvaluationInput = Omit<EvaluationRecord, 'dictionaryId' | 'kind' | 'createdAt'> &
  Partial<Pick<EvaluationRecord, 'dictionaryId' | 'kind' | 'createdAt'>>;

const COLUMNS: BulkColumn[] = [
  { name: 'dictionary_id', type: 'int' },
  { name: 'kind', type: 'text' },
  { name: 'metric', type: 'text' },
  { name: 'subject', type: 'text' },
  { name: 'value', type: 'float8' },
  { name: 'settings', type: 'jsonb' },
  { name: 'corpus_slice', type: 'text' },
  { name: 'model', type: 'text' },
  { name: 'code_version', type: 'text' },
];

function invalid(message: string): AtlasError {
  return new AtlasError('EVALUATION_INVALID', message);
}

/** The dictionary id as a key, or EVALUATION_INVALID. */
export function requireDictionaryId(dictionaryId: number): number {
  if (!Number.isInteger(dictionaryId) || dictionaryId < 1)
    throw invalid(`dictionaryId ${dictionaryId} is not a dictionary id; pass the positive integer id of a dictionary.`);
  return dictionaryId;
}

function requireText(where: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(`${where} is ${JSON.stringify(value)}; give a non-empty string.`);
  return value;
}

/** Check every row at the boundary: one error naming the row, the field and the fix. */
function checkRows(dictionaryId: number, kind: EvaluationKind, rows: readonly EvaluationInput[]): void {
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    const where = (field: string) => `evaluation row ${i} (${kind} ${String(row.metric)}).${field}`;
    requireText(where('metric'), row.metric);
    if (row.subject !== null && (typeof row.subject !== 'string' || row.subject === ''))
      throw invalid(
        `${where('subject')} is ${JSON.stringify(row.subject)}; give a class name, or null for the aggregate.`,
      );
    if (typeof row.value !== 'number' || !Number.isFinite(row.value))
      throw invalid(
        `${where('value')} is ${row.value}; give a finite number (leave out a metric that could not be computed).`,
      );
    if (typeof row.settings !== 'object' || row.settings === null || Array.isArray(row.settings))
      throw invalid(
        `${where('settings')} is not an object; give the evaluation's configuration, e.g. { k: [1, 2, 5] }.`,
      );
    requireText(where('corpusSlice'), row.corpusSlice);
    requireText(where('model'), row.model);
    requireText(where('codeVersion'), row.codeVersion);
    if (row.dictionaryId !== undefined && row.dictionaryId !== dictionaryId)
      throw invalid(
        `${where('dictionaryId')} is ${row.dictionaryId} but the rows are saved to dictionary ${dictionaryId}; save each dictionary's rows on their own.`,
      );
    if (row.kind !== undefined && row.kind !== kind)
      throw invalid(
        `${where('kind')} is "${row.kind}" but the rows are saved as "${kind}"; save each kind's rows on their own.`,
      );
    const key = `${row.metric}\u0000${row.subject ?? ''}`;
    if (seen.has(key))
      throw invalid(
        `${where('metric')}: "${row.metric}" with subject ${JSON.stringify(row.subject)} appears twice; give each (metric, subject) one value.`,
      );
    seen.add(key);
  });
}

/** Run `work` in one transaction on one pooled connection. */
export async function inTransaction<T>(dataSource: DataSource, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    await runner.release();
  }
}

/**
 * Store the rows of one evaluation `kind` of a dictionary, replacing that kind's earlier rows (other kinds stay),
 * in one transaction. Returns the rows written.
 */
export async function saveEvaluations(
  db: EvaluationTarget,
  dictionaryId: number,
  kind: EvaluationKind,
  rows: readonly EvaluationInput[],
): Promise<number> {
  requireDictionaryId(dictionaryId);
  if (!(EVALUATION_KINDS as readonly string[]).includes(kind))
    throw invalid(`kind "${kind}" is not an evaluation kind; use one of ${EVALUATION_KINDS.join(', ')}.`);
  checkRows(dictionaryId, kind, rows);
  return inTransaction(db.dataSource, async (client) => {
    await client.query(`DELETE FROM evaluations WHERE dictionary_id = $1 AND kind = $2`, [dictionaryId, kind]);
    return db.bulkLoader.load(
      client,
      'evaluations',
      COLUMNS,
      rows.map((r) => [
        dictionaryId,
        kind,
        r.metric,
        r.subject,
        r.value,
        r.settings,
        r.corpusSlice,
        r.model,
        r.codeVersion,
      ]),
    );
  });
}
