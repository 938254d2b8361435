// Ranked full-text and fuzzy search over features' shown labels and their explanations.
import { BROWN_TAGS, labelSql, matchBrownTags } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import type { FeatureKey, Raw } from './featureRow.js';

/**
 * Search over labels as shown and over explanations. A part-of-speech label matches by its tag or name in any case
 * ("VBD", "past tense", "verb") and scores its own F1, so hits rank by how good a label they are; other labels
 * (genres, peak tokens, labels from elsewhere) match by words, trigrams or substring and score their F1 when made
 * from an association, else full-text rank plus trigram similarity; explanations score the same way. Labels
 * hidden as too rare match nothing.
 */
export async function searchFeatures(
  ds: DataSource,
  query: string,
  dictionaryIds: number[] | undefined,
  first: number,
): Promise<{ key: FeatureKey; score: number }[]> {
  const tags = matchBrownTags(query);
  const label = labelSql({ label: 'c.label', best: 'c.best', fires: 'c.fires' });
  const rows: Raw[] = await ds.query(
    `WITH q AS (SELECT websearch_to_tsquery('english', $1) AS ts),
     -- Cheap conditions first (the trigram index serves the ILIKE prefixes of part-of-speech labels), so the
     -- label rules below run on candidates only, not on every feature.
     candidates AS MATERIALIZED (
       SELECT f.dictionary_id, f.index, f.label, f.search, f.label_scores->'scores'->0 AS best,
              f.label_scores->'fires' AS fires
       FROM features f, q
       WHERE ($2::int[] IS NULL OR f.dictionary_id = ANY($2::int[]))
         AND (f.label ILIKE ANY($6::text[]) OR f.search @@ q.ts OR f.label % $1
           OR position(lower($1) IN lower(f.label)) > 0)),
     labelled AS (
       SELECT c.dictionary_id, c.index, c.label, c.search, ${label.key} AS label_key, ${label.score} AS label_score
       FROM candidates c WHERE ${label.shown}),
     hits AS (
       SELECT dictionary_id, index, label_score AS score FROM labelled WHERE lower(label_key) = ANY($4::text[])
       UNION ALL
       SELECT t.dictionary_id, t.index, coalesce(t.label_score, ts_rank(t.words, q.ts) + similarity(t.text, $1))
       FROM (SELECT l.dictionary_id, l.index, l.label_score, replace(coalesce(l.label_key, l.label), '_', ' ') AS text,
                    -- The stored tsvector has the "(F1 0.41)" of labels made from associations: not words of theirs.
                    CASE WHEN l.label_key IS NULL THEN l.search ELSE to_tsvector('english', l.label_key) END AS words
             FROM labelled l WHERE NOT coalesce(lower(l.label_key) = ANY($5::text[]), false)) t, q
       WHERE t.words @@ q.ts OR t.text % $1 OR position(lower($1) IN lower(t.text)) > 0
       UNION ALL
       SELECT e.dictionary_id, e.feature_index, ts_rank(e.search, q.ts) + similarity(e.text, $1) AS score
       FROM explanations e, q
       WHERE ($2::int[] IS NULL OR e.dictionary_id = ANY($2::int[]))
         AND (e.search @@ q.ts OR e.text % $1 OR position(lower($1) IN lower(e.text)) > 0))
     SELECT dictionary_id, index, max(score) AS score FROM hits
     GROUP BY dictionary_id, index ORDER BY score DESC, dictionary_id, index LIMIT $3`,
    [query, dictionaryIds ?? null, first, tags, BROWN_TAGS, tags.map((t) => `${t.replace(/[\\%_]/g, '\\$&')} (F1 %`)],
  );
  return rows.map((r) => ({
    key: { dictionaryId: r.dictionary_id as number, index: r.index as number },
    score: Number(r.score),
  }));
}
