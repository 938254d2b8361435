// Decoder directions and the features nearest to a vector by cosine (pgvector: HNSW, or an exact scan).
import { decoderColumn, nearestDecodersSql } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import type { FeatureKey, Raw } from './featureRow.js';

/** A feature's decoder direction. */
export async function decoderOf(ds: DataSource, key: FeatureKey, dIn: number): Promise<number[] | undefined> {
  const { column } = decoderColumn(dIn);
  const rows: Raw[] = await ds.query(
    `SELECT ${column}::text AS v FROM features WHERE dictionary_id = $1 AND index = $2`,
    [key.dictionaryId, key.index],
  );
  const text = rows[0]?.v as string | undefined;
  return text ? text.slice(1, -1).split(',').map(Number) : undefined;
}

/**
 * Nearest features of one dictionary to `vector` by cosine. HNSW by default (with a wider candidate list than
 * pgvector's default, since decoder directions are nearly orthogonal and hard for graph search); `exact` scans.
 */
export async function nearestInDictionary(
  ds: DataSource,
  dictionary: { id: number; dIn: number },
  vector: number[],
  k: number,
  exact: boolean,
): Promise<{ index: number; cosine: number }[]> {
  // Cosine ignores length, and a unit query keeps pgvector's float32 sums from overflowing or underflowing (entries
  // of 3e38 answered cosine 0, of 1e-30 NaN) and within halfvec's range (±65,504).
  const largest = vector.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const norm = largest * Math.sqrt(vector.reduce((sum, x) => sum + (x / largest) ** 2, 0));
  const literal = `[${(norm > 0 && Number.isFinite(norm) ? vector.map((x) => x / norm) : vector).join(',')}]`;
  if (exact) {
    const { column, type } = decoderColumn(dictionary.dIn);
    // Ordering by the uncast expression keeps the planner off the (cast-expression) HNSW index: an exact scan.
    return ds.query(
      `SELECT index, 1 - (${column} <=> $1::${type}) AS cosine FROM features
       WHERE dictionary_id = $2 ORDER BY ${column} <=> $1::${type} LIMIT $3`,
      [literal, dictionary.id, k],
    );
  }
  return ds.transaction(async (m) => {
    await m.query(`SET LOCAL hnsw.ef_search = ${Math.max(100, 4 * k)}`);
    return m.query(nearestDecodersSql(dictionary.id, dictionary.dIn), [literal, k]);
  });
}
