// Decoder-direction search. An HNSW index needs fixed dimensions, and dictionaries differ in d_in, so each
// dictionary gets its own partial index on the cast expression; a query must repeat the same expression and
// predicate for the planner to use it. `vector` up to 2,000 dims, `halfvec` up to 4,000 (pgvector's limits).
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

function assertIds(dictionaryId: number, dIn: number): void {
  // These are interpolated into DDL (parameters are not allowed there), so they must be plain integers.
  if (!Number.isSafeInteger(dictionaryId) || dictionaryId < 0)
    throw new RangeError(`bad dictionary id ${dictionaryId}`);
  if (!Number.isSafeInteger(dIn) || dIn < 1) throw new RangeError(`bad d_in ${dIn}`);
}

export function decoderIndexName(dictionaryId: number): string {
  return `features_decoder_hnsw_d${dictionaryId}`;
}

/** DDL for one dictionary's HNSW (cosine) index, or undefined past halfvec's limit (exact search only then). */
export function createDecoderIndexSql(dictionaryId: number, dIn: number): string | undefined {
  assertIds(dictionaryId, dIn);
  const { column, type, indexable } = decoderColumn(dIn);
  if (!indexable) return undefined;
  return `CREATE INDEX IF NOT EXISTS ${decoderIndexName(dictionaryId)} ON features
    USING hnsw ((${column}::${type}(${dIn})) ${type}_cosine_ops) WHERE dictionary_id = ${dictionaryId}`;
}

export function dropDecoderIndexSql(dictionaryId: number): string {
  assertIds(dictionaryId, 1);
  return `DROP INDEX IF EXISTS ${decoderIndexName(dictionaryId)}`;
}

/**
 * Nearest features of one dictionary to `$1` (a vector literal) by cosine, `$2` = k. Uses the dictionary's
 * HNSW index; returns `index` and `cosine`.
 */
export function nearestDecodersSql(dictionaryId: number, dIn: number): string {
  assertIds(dictionaryId, dIn);
  const { column, type } = decoderColumn(dIn);
  const expr = `(${column}::${type}(${dIn}))`;
  return `SELECT index, 1 - (${expr} <=> $1::${type}(${dIn})) AS cosine FROM features
    WHERE dictionary_id = ${dictionaryId} ORDER BY ${expr} <=> $1::${type}(${dIn}) LIMIT $2`;
}
