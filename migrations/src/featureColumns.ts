// The columns of a dictionary's feature rows (`features`, `feature_examples`, `feature_tokens`), stated once: the
// ingest's bulk loads, the export folder's line schemas, the worker's and the api's SELECT lists derive from here,
// and featureColumns.test.ts checks every entry against the entities and the migrated tables.
import { decoderColumn } from './decoderIndex.js';

/** A stored column: its name, its SQL type as the bulk loader writes it, and the entity (and record) field it holds. */
export interface FeatureColumn {
  readonly name: string;
  readonly type: string;
  readonly field: string;
}

/** The column names of `columns`. */
export type ColumnName<C extends readonly FeatureColumn[]> = C[number]['name'];

/** The key every feature-row table starts with. */
export const DICTIONARY_ID_COLUMN = { name: 'dictionary_id', type: 'int', field: 'dictionaryId' } as const;

/** The feature's number within its dictionary, the second half of the `features` key. */
export const FEATURE_INDEX_COLUMN = { name: 'index', type: 'int', field: 'index' } as const;

/** `features` past its key and its decoder (`decoderColumn`: `decoder` or `decoder_half` by d_in), in load order. */
export const FEATURE_VALUE_COLUMNS = [
  { name: 'density', type: 'real', field: 'density' },
  { name: 'mean_activation', type: 'real', field: 'meanActivation' },
  { name: 'max_activation', type: 'real', field: 'maxActivation' },
  { name: 'histogram', type: 'jsonb', field: 'histogram' },
  { name: 'label', type: 'text', field: 'label' },
  { name: 'label_scores', type: 'jsonb', field: 'labelScores' },
  { name: 'logits', type: 'jsonb', field: 'logits' },
  { name: 'map_x', type: 'real', field: 'mapX' },
  { name: 'map_y', type: 'real', field: 'mapY' },
  { name: 'neighbors', type: 'jsonb', field: 'neighbors' },
] as const satisfies readonly FeatureColumn[];

/** `feature_examples` past dictionary_id, in load order: its key (feature_index, kind, bin, rank) first. */
export const EXAMPLE_COLUMNS = [
  { name: 'feature_index', type: 'int', field: 'featureIndex' },
  { name: 'kind', type: 'text', field: 'kind' },
  { name: 'bin', type: 'int', field: 'bin' },
  { name: 'rank', type: 'int', field: 'rank' },
  { name: 'max_activation', type: 'real', field: 'maxActivation' },
  { name: 'doc_index', type: 'int', field: 'docIndex' },
  { name: 'token_start', type: 'int', field: 'tokenStart' },
  { name: 'max_position', type: 'int', field: 'maxPosition' },
  { name: 'tokens', type: 'text[]', field: 'tokens' },
  { name: 'activations', type: 'real[]', field: 'activations' },
] as const satisfies readonly FeatureColumn[];

/** `feature_tokens` (the inverted index) past dictionary_id, in load order. */
export const FEATURE_TOKEN_COLUMNS = [
  { name: 'token_key', type: 'text', field: 'tokenKey' },
  { name: 'feature_index', type: 'int', field: 'featureIndex' },
  { name: 'token', type: 'text', field: 'token' },
  { name: 'max_activation', type: 'real', field: 'maxActivation' },
  { name: 'examples', type: 'int', field: 'examples' },
] as const satisfies readonly FeatureColumn[];

/** Every `features` column a bulk load writes for a dictionary of width `dIn`, in load order. */
export function featureLoadColumns(dIn: number): FeatureColumn[] {
  const { column, type } = decoderColumn(dIn);
  return [
    DICTIONARY_ID_COLUMN,
    FEATURE_INDEX_COLUMN,
    { name: column, type, field: column === 'decoder' ? 'decoder' : 'decoderHalf' },
    ...FEATURE_VALUE_COLUMNS,
  ];
}

/**
 * A SELECT list of `columns`: `density, mean_activation, …`. `arraysAsJson` sends array columns as JSON
 * (`to_json(tokens) AS tokens`), which node-postgres parses natively instead of walking array text in JS.
 */
export function columnList(columns: readonly FeatureColumn[], options: { arraysAsJson?: boolean } = {}): string {
  return columns
    .map((c) => (options.arraysAsJson && c.type.endsWith('[]') ? `to_json(${c.name}) AS ${c.name}` : c.name))
    .join(', ');
}

/** A row keyed by column name, re-keyed by field (`mean_activation` -> `meanActivation`), each value's type kept. */
export function byField<C extends readonly FeatureColumn[], R extends { [N in ColumnName<C>]: unknown }>(
  columns: C,
  row: R,
): { [K in C[number] as K['field']]: R[K['name'] & keyof R] } {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c.field] = row[c.name as keyof R];
  return out as { [K in C[number] as K['field']]: R[K['name'] & keyof R] };
}
