// Decoder-direction search. An HNSW index needs fixed dimensions and dictionaries differ in d_in, so each
// dictionary's partition of `features` gets its own index on the cast expression; a query on the parent must
// repeat that expression, and name the dictionary so the planner prunes to its partition.
// `vector` is indexable up to 2,000 dims and `halfvec` up to 4,000 (pgvector's limits); past that, search is exact.
import { HALFVEC_INDEX_MAX_DIMS, VECTOR_INDEX_MAX_DIMS } from './entities/feature.entity.js';

/** Which column holds a dictionary's decoder rows, and whether HNSW can index it. */
export function decoderColumn(dIn: number): {
  column: 'decoder' | 'decoder_half';
  type: 'vector' | 'halfvec';
  indexable: boolean;
} {
  if (dIn <= VECTOR_INDEX_MAX_DIMS) return { column: 'decoder', type: 'vector', indexable: true };
  return { column: 'decoder_half', type: 'halfvec', indexable: dIn <= HALFVEC_INDEX_MAX_DIMS };
}

/** Ids and dims are interpolated into SQL (DDL takes no parameters), so they must be plain integers. */
export function assertSqlInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`bad ${name} ${value}`);
}

/** DDL for the HNSW (cosine) index of a features table (a dictionary's partition or its staging table). */
export function createDecoderIndexSql(table: string, indexName: string, dIn: number): string | undefined {
  assertSqlInteger('d_in', dIn, 1);
  const { column, type, indexable } = decoderColumn(dIn);
  if (!indexable) return undefined;
  return `CREATE INDEX IF NOT EXISTS ${indexName} ON ${table} USING hnsw ((${column}::${type}(${dIn})) ${type}_cosine_ops)`;
}

/**
 * Nearest features of one dictionary to `$1` (a vector literal) by cosine, `$2` = k; returns `index` and `cosine`.
 * Uses the dictionary's HNSW index when it has one.
 */
export function nearestDecodersSql(dictionaryId: number, dIn: number): string {
  assertSqlInteger('dictionary id', dictionaryId, 0);
  assertSqlInteger('d_in', dIn, 1);
  const { column, type } = decoderColumn(dIn);
  const expr = `(${column}::${type}(${dIn}))`;
  return `SELECT index, 1 - (${expr} <=> $1::${type}(${dIn})) AS cosine FROM features
    WHERE dictionary_id = ${dictionaryId} ORDER BY ${expr} <=> $1::${type}(${dIn}) LIMIT $2`;
}
