// Dictionary reads, free of GraphQL.
import { Dictionary } from '@atlas/migrations';
import type { DataSource } from 'typeorm';

export function listDictionaries(dataSource: DataSource): Promise<Dictionary[]> {
  return dataSource.getRepository(Dictionary).find({ order: { id: 'ASC' } });
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
