// Features by the token their top examples peak on (the feature_tokens index written at ingest).
import { foldToken } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import type { FeatureKey, Raw } from './featureRow.js';

/**
 * Features whose top examples peak on `token`, strongest first: exactly that token (" the" is not "the"), or with
 * `fold` any token equal to it once case and surrounding whitespace are ignored (then a feature's spellings count
 * together, and the strongest one is reported).
 */
export async function featuresByToken(
  ds: DataSource,
  token: string,
  dictionaryIds: number[] | undefined,
  first: number,
  fold = false,
): Promise<{ key: FeatureKey; token: string; maxActivation: number; examples: number }[]> {
  const rows: Raw[] = await ds.query(
    fold
      ? `SELECT dictionary_id, feature_index, (array_agg(token ORDER BY max_activation DESC, token))[1] AS token,
                max(max_activation) AS max_activation, sum(examples)::int AS examples
         FROM feature_tokens
         WHERE token_key = $1 AND ($2::int[] IS NULL OR dictionary_id = ANY($2::int[]))
         GROUP BY dictionary_id, feature_index
         ORDER BY max_activation DESC, dictionary_id, feature_index LIMIT $3`
      : `SELECT dictionary_id, feature_index, token, max_activation, examples FROM feature_tokens
         WHERE token = $1 AND ($2::int[] IS NULL OR dictionary_id = ANY($2::int[]))
         ORDER BY max_activation DESC, dictionary_id, feature_index LIMIT $3`,
    [fold ? foldToken(token) : token, dictionaryIds ?? null, first],
  );
  return rows.map((r) => ({
    key: { dictionaryId: r.dictionary_id as number, index: r.feature_index as number },
    token: r.token as string,
    maxActivation: r.max_activation as number,
    examples: r.examples as number,
  }));
}
