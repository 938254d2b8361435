// The feature list's filter as SQL conditions on `features f` (FEATURES_FROM): shared by the list and the map, so the map
// highlights exactly what the list shows.
import { BROWN_TAGS, baseTag, labelSql, matchBrownTags, MIN_LABEL_F1 } from '@atlas/migrations';

export interface FeatureListFilter {
  densityMin?: number;
  densityMax?: number;
  maxActivationMin?: number;
  maxActivationMax?: number;
  text?: string;
  posTag?: string;
  bestHeldOutF1Min?: number;
}

/**
 * What the list and the map read from: the dictionary's features (`f`), each with its best held-out F1
 * (`b.best_f1`, NULL when never scored; saveFeatureLabelScores keeps one row per feature). A join, not a lookup per
 * row, so sorting a page deep into the list stays one pass; the planner drops it when nothing reads `b`.
 * `$1` is the dictionary id, as in filterConditions.
 */
export const FEATURES_FROM = `features f LEFT JOIN (SELECT feature_index AS best_index, f1 AS best_f1
    FROM feature_best_label_scores WHERE dictionary_id = $1) b ON b.best_index = f.index`;

/** The best held-out F1 of a row of FEATURES_FROM. */
export const BEST_HELD_OUT_F1 = 'b.best_f1';

/** The base tags a POS filter means: its tags and names (`matchBrownTags`), or the text itself as a tag. */
function posTags(text: string): string[] {
  return [...new Set([...matchBrownTags(text), baseTag(text.trim().toLowerCase())])];
}

/** The SQL conditions (joined by AND, on FEATURES_FROM) of a dictionary's features that pass `filter`. */
export function filterConditions(
  dictionaryId: number,
  filter: FeatureListFilter,
): { where: string[]; params: unknown[] } {
  const params: unknown[] = [dictionaryId];
  const where = ['dictionary_id = $1'];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.densityMin != null) add('density >= ?', filter.densityMin);
  if (filter.densityMax != null) add('density <= ?', filter.densityMax);
  if (filter.maxActivationMin != null) add('max_activation >= ?', filter.maxActivationMin);
  if (filter.maxActivationMax != null) add('max_activation <= ?', filter.maxActivationMax);
  if (filter.text) {
    // The label as shown: a part-of-speech label by its tag or name (any case), others by substring; hidden
    // (too rare) labels match nothing. Explanations by substring.
    const pattern = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    params.push(matchBrownTags(filter.text), BROWN_TAGS, pattern);
    const [tags, allTags, like] = [params.length - 2, params.length - 1, params.length].map((n) => `$${n}`);
    const label = labelSql();
    where.push(`((${label.shown} AND (lower(${label.key}) = ANY(${tags}::text[])
        OR (NOT coalesce(lower(${label.key}) = ANY(${allTags}::text[]), false) AND f.label ILIKE ${like})))
      OR EXISTS (SELECT 1 FROM explanations e WHERE e.dictionary_id = f.dictionary_id
        AND e.feature_index = f.index AND e.text ILIKE ${like}))`);
  }
  if (filter.posTag)
    add(
      `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(f.label_scores->'scores') = 'array'
          THEN f.label_scores->'scores' ELSE '[]'::jsonb END) s
        WHERE s->>'family' = 'pos' AND lower(s->>'label') = ANY(?::text[])
          AND CASE WHEN jsonb_typeof(s->'f1') = 'number' THEN (s->>'f1')::float8 >= ${MIN_LABEL_F1} END)`,
      posTags(filter.posTag),
    );
  if (filter.bestHeldOutF1Min != null) add(`${BEST_HELD_OUT_F1} >= ?`, filter.bestHeldOutF1Min);
  return { where, params };
}
