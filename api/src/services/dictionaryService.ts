// Dictionaries as the api reads them (and deletes them), free of GraphQL.
import { Dictionary, dropPartitions } from '@atlas/migrations';
import type { PoolClient } from 'pg';
import { In, type DataSource } from 'typeorm';

export function listDictionaries(dataSource: DataSource): Promise<Dictionary[]> {
  return dataSource.getRepository(Dictionary).find({ order: { id: 'ASC' } });
}

/** Dictionaries by id in one statement, in id order (undefined where absent): the dictionary loader's batch. */
export async function dictionariesByIds(ds: DataSource, ids: readonly number[]): Promise<(Dictionary | undefined)[]> {
  const rows = await ds.getRepository(Dictionary).findBy({ id: In([...ids]) });
  const byId = new Map(rows.map((d) => [d.id, d]));
  return ids.map((id) => byId.get(id));
}

/** Delete a dictionary with its partitions (features, examples, links), leaving a tombstone of its content. */
export async function deleteDictionary(ds: DataSource, id: number): Promise<void> {
  const runner = ds.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    await dropPartitions(client, id);
    // The tombstone remembers the deleted content, so the demo does not bring it back on the next start.
    await client.query(
      `WITH gone AS (DELETE FROM dictionaries WHERE id = $1 RETURNING content_hash, name)
       INSERT INTO dictionary_tombstones (content_hash, name)
       SELECT content_hash, name FROM gone WHERE content_hash IS NOT NULL
       ON CONFLICT (content_hash) DO UPDATE SET name = EXCLUDED.name, deleted_at = now()`,
      [id],
    );
  } finally {
    await runner.release();
  }
}

/** A dictionary and the tokens its latest analysis read (unknown for analyses that did not record them). */
export interface AnalysedTokens {
  dictionaryId: number;
  tokens: number | null;
}

/** Firings at or below which a feature counts as rare: too few to say what it stands for. */
export const RARE_FIRINGS = 10;

/**
 * Per dictionary, in one statement: features that never fired on the analysed tokens, and those that fired on 1 to
 * RARE_FIRINGS of them (null when the token count is unknown; firings = density × tokens, rounded).
 */
export async function firingCounts(
  ds: DataSource,
  keys: readonly AnalysedTokens[],
): Promise<{ neverFired: number; rarelyFired: number | null }[]> {
  const rows = (await ds.query(
    `SELECT k.ord, count(f.index) FILTER (WHERE f.density = 0)::int AS never_fired,
            count(f.index) FILTER (WHERE f.density > 0 AND round(f.density::float8 * k.tokens) <= $3)::int AS rarely_fired
     FROM unnest($1::int[], $2::float8[]) WITH ORDINALITY AS k(id, tokens, ord)
     LEFT JOIN features f ON f.dictionary_id = k.id
     GROUP BY k.ord`,
    [keys.map((k) => k.dictionaryId), keys.map((k) => k.tokens), RARE_FIRINGS],
  )) as { ord: string; never_fired: number; rarely_fired: number }[];
  const byOrd = new Map(rows.map((r) => [Number(r.ord), r]));
  return keys.map((k, i) => {
    const r = byOrd.get(i + 1);
    return { neverFired: r?.never_fired ?? 0, rarelyFired: k.tokens == null ? null : (r?.rarely_fired ?? 0) };
  });
}
