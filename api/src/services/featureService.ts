// Feature reads, free of GraphQL. Every statement is parameterised; batched forms take many keys at once so
// DataLoader turns a page of N features into a constant number of statements.
import {
  BROWN_TAGS,
  baseTag,
  columnList,
  decoderColumn,
  EXAMPLE_COLUMNS,
  FEATURE_VALUE_COLUMNS,
  featureLabel,
  foldToken,
  labelSql,
  matchBrownTags,
  MIN_LABEL_F1,
  nearestDecodersSql,
} from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { inFloat32Range } from './float32.js';
import { featureId, MAX_ID } from './globalId.js';

export interface FeatureKey {
  dictionaryId: number;
  index: number;
}

export interface FeatureRow {
  id: string;
  dictionaryId: number;
  index: number;
  /** The label as shown (featureLabel.ts): a tag's name with the tag, null when unlabelled. */
  label: string | null;
  labelScore: number | null;
  unlabelledReason: string | null;
  labelScores: Record<string, unknown> | null;
  density: number | null;
  meanActivation: number | null;
  maxActivation: number | null;
  histogram: { edges: number[]; counts: number[] } | null;
  logits: { positive: { token: string; value: number }[]; negative: { token: string; value: number }[] } | null;
  mapX: number | null;
  mapY: number | null;
  neighbors: { index: number; cosine: number }[] | null;
}

export const FEATURE_COLUMNS = `dictionary_id, index, ${columnList(FEATURE_VALUE_COLUMNS)}`;

type Raw = Record<string, unknown>;

export function toFeature(r: Raw): FeatureRow {
  const dictionaryId = r.dictionary_id as number;
  const index = r.index as number;
  const shown = featureLabel(r.label as string | null, r.label_scores);
  return {
    id: featureId(dictionaryId, index),
    dictionaryId,
    index,
    label: shown.text,
    labelScore: shown.score,
    unlabelledReason: shown.unlabelledReason,
    labelScores: r.label_scores as Record<string, unknown> | null,
    density: r.density as number | null,
    meanActivation: r.mean_activation as number | null,
    maxActivation: r.max_activation as number | null,
    histogram: r.histogram as FeatureRow['histogram'],
    logits: r.logits as FeatureRow['logits'],
    mapX: r.map_x as number | null,
    mapY: r.map_y as number | null,
    neighbors: r.neighbors as FeatureRow['neighbors'],
  };
}

function keyArrays(keys: readonly FeatureKey[]): [number[], number[]] {
  return [keys.map((k) => k.dictionaryId), keys.map((k) => k.index)];
}

/** Rows keyed by (dictionary_id, feature_index), mapped and grouped in row order, then listed in key order. */
function groupByFeature<T>(keys: readonly FeatureKey[], rows: Raw[], toItem: (r: Raw) => T): T[][] {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const key = `${r.dictionary_id}:${r.feature_index}`;
    const list = groups.get(key);
    if (list) list.push(toItem(r));
    else groups.set(key, [toItem(r)]);
  }
  return keys.map((k) => groups.get(`${k.dictionaryId}:${k.index}`) ?? []);
}

/** Features by key, in key order (undefined where absent). */
export async function featuresByKeys(ds: DataSource, keys: readonly FeatureKey[]): Promise<(FeatureRow | undefined)[]> {
  const rows: Raw[] = await ds.query(
    `SELECT ${FEATURE_COLUMNS} FROM features
     WHERE (dictionary_id, index) IN (SELECT * FROM unnest($1::int[], $2::int[]))`,
    keyArrays(keys),
  );
  const byKey = new Map(rows.map((r) => [`${r.dictionary_id}:${r.index}`, toFeature(r)]));
  return keys.map((k) => byKey.get(`${k.dictionaryId}:${k.index}`));
}

export interface ExampleRow {
  dictionaryId: number;
  featureIndex: number;
  kind: 'top' | 'quantile';
  bin: number;
  rank: number;
  maxActivation: number;
  maxPosition: number;
  docIndex: number;
  tokenStart: number;
  tokens: string[];
  activations: number[];
}

/** Examples of many features in one statement, grouped per key, ordered by bin then rank. */
export async function examplesByKeys(
  ds: DataSource,
  keys: readonly FeatureKey[],
  kind: 'top' | 'quantile',
  perFeature: number,
): Promise<ExampleRow[][]> {
  const rows: Raw[] = await ds.query(
    // Arrays as JSON: node-postgres parses array text in JS (~10% of a feature page's CPU); JSON.parse is native.
    `SELECT dictionary_id, ${columnList(EXAMPLE_COLUMNS, { arraysAsJson: true })}
     FROM feature_examples
     WHERE (dictionary_id, feature_index) IN (SELECT * FROM unnest($1::int[], $2::int[])) AND kind = $3 AND rank < $4
     ORDER BY dictionary_id, feature_index, bin, rank`,
    [...keyArrays(keys), kind, perFeature],
  );
  return groupByFeature(keys, rows, (r) => ({
    dictionaryId: r.dictionary_id as number,
    featureIndex: r.feature_index as number,
    kind: r.kind as 'top' | 'quantile',
    bin: r.bin as number,
    rank: r.rank as number,
    maxActivation: r.max_activation as number,
    maxPosition: r.max_position as number,
    docIndex: r.doc_index as number,
    tokenStart: r.token_start as number,
    tokens: r.tokens as string[],
    activations: r.activations as number[],
  }));
}

/** Cross-width family links of many features, best first per other dictionary. */
export async function linksByKeys(
  ds: DataSource,
  keys: readonly FeatureKey[],
): Promise<{ dictionaryId: number; index: number; cosine: number }[][]> {
  const rows: Raw[] = await ds.query(
    `SELECT dictionary_id, feature_index, other_dictionary_id, other_index, cosine FROM feature_links
     WHERE (dictionary_id, feature_index) IN (SELECT * FROM unnest($1::int[], $2::int[]))
     ORDER BY dictionary_id, feature_index, cosine DESC`,
    keyArrays(keys),
  );
  return groupByFeature(keys, rows, (r) => ({
    dictionaryId: r.other_dictionary_id as number,
    index: r.other_index as number,
    cosine: r.cosine as number,
  }));
}

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

export type FeatureOrderKey = 'INDEX' | 'DENSITY_DESC' | 'DENSITY_ASC' | 'MAX_ACTIVATION_DESC';

export interface FeatureListFilter {
  densityMin?: number;
  densityMax?: number;
  maxActivationMin?: number;
  maxActivationMax?: number;
  text?: string;
  posTag?: string;
}

/** Sort expression and direction per order; NULLs sort as -1 so keyset comparisons stay total. */
const ORDERS: Record<FeatureOrderKey, { expr: string; desc: boolean }> = {
  INDEX: { expr: 'index', desc: false },
  DENSITY_DESC: { expr: 'coalesce(density, -1)', desc: true },
  DENSITY_ASC: { expr: 'coalesce(density, -1)', desc: false },
  MAX_ACTIVATION_DESC: { expr: 'coalesce(max_activation, -1)', desc: true },
};

export function encodeCursor(value: number, index: number): string {
  return Buffer.from(JSON.stringify([value, index])).toString('base64url');
}

/** The cursor's [sort value, index], or undefined if it is not one `order` could have written (a forged value
 *  outside what the sort column holds would fail in the database rather than as the client's mistake). */
export function decodeCursor(cursor: string, order: FeatureOrderKey): [number, number] | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const isIndex = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= MAX_ID;
    if (Array.isArray(v) && v.length === 2 && isIndex(v[1]))
      if (order === 'INDEX' ? isIndex(v[0]) : typeof v[0] === 'number' && inFloat32Range(v[0])) return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  return undefined;
}

/** The base tags a POS filter means: its tags and names (`matchBrownTags`), or the text itself as a tag. */
function posTags(text: string): string[] {
  return [...new Set([...matchBrownTags(text), baseTag(text.trim().toLowerCase())])];
}

/** The SQL conditions (joined by AND, on `features`) of a dictionary's features that pass `filter`. */
function filterConditions(dictionaryId: number, filter: FeatureListFilter): { where: string[]; params: unknown[] } {
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
  return { where, params };
}

/** One page of a dictionary's features with keyset pagination, and the filter's total count. */
export async function listFeatures(
  ds: DataSource,
  dictionaryId: number,
  filter: FeatureListFilter,
  order: FeatureOrderKey,
  first: number,
  after: [number, number] | undefined,
): Promise<{ rows: { feature: FeatureRow; cursor: string }[]; totalCount: number; hasNextPage: boolean }> {
  const { where, params } = filterConditions(dictionaryId, filter);
  const countRows: Raw[] = await ds.query(
    `SELECT count(*)::int AS n FROM features f WHERE ${where.join(' AND ')}`,
    params,
  );
  const { expr, desc } = ORDERS[order];
  if (after) {
    params.push(after[0], after[1]);
    const [v, i] = [`$${params.length - 1}`, `$${params.length}`];
    where.push(desc ? `(${expr} < ${v} OR (${expr} = ${v} AND index > ${i}))` : `(${expr}, index) > (${v}, ${i})`);
  }
  params.push(first + 1);
  const rows: Raw[] = await ds.query(
    `SELECT ${FEATURE_COLUMNS}, ${expr} AS sort_value FROM features f WHERE ${where.join(' AND ')}
     ORDER BY ${expr} ${desc ? 'DESC' : 'ASC'}, index ASC LIMIT $${params.length}`,
    params,
  );
  return {
    rows: rows.slice(0, first).map((r) => ({
      feature: toFeature(r),
      cursor: encodeCursor(Number(r.sort_value), r.index as number),
    })),
    totalCount: countRows[0].n as number,
    hasNextPage: rows.length > first,
  };
}

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

export interface ExplanationRow {
  id: number;
  dictionaryId: number;
  featureIndex: number;
  text: string;
  source: string;
  score: number | null;
  author: string | null;
  createdAt: Date;
}

/** Explanations of many features, newest first per feature. */
export async function explanationsByKeys(ds: DataSource, keys: readonly FeatureKey[]): Promise<ExplanationRow[][]> {
  const rows: Raw[] = await ds.query(
    `SELECT id, dictionary_id, feature_index, text, source, score, author, created_at FROM explanations
     WHERE (dictionary_id, feature_index) IN (SELECT * FROM unnest($1::int[], $2::int[]))
     ORDER BY created_at DESC, id DESC`,
    keyArrays(keys),
  );
  return groupByFeature(keys, rows, (r) => ({
    id: r.id as number,
    dictionaryId: r.dictionary_id as number,
    featureIndex: r.feature_index as number,
    text: r.text as string,
    source: r.source as string,
    score: r.score as number | null,
    author: r.author as string | null,
    createdAt: r.created_at as Date,
  }));
}

/**
 * Map coordinates of every feature of a dictionary that has them; with a filter that sets any condition, also
 * whether each point passes it (so the map can highlight what the feature table lists).
 */
export async function featureMap(
  ds: DataSource,
  dictionaryId: number,
  filter: FeatureListFilter = {},
): Promise<{
  indices: number[];
  x: number[];
  y: number[];
  density: number[];
  labels: string[];
  matches: boolean[] | null;
}> {
  const { where, params } = filterConditions(dictionaryId, filter);
  const filtered = where.length > 1;
  const rows: Raw[] = await ds.query(
    // Only what the shown label needs of label_scores (the best association and the firings), not every score.
    `SELECT index, map_x, map_y, coalesce(density, 0) AS density, label,
            jsonb_build_object('scores', jsonb_build_array(label_scores->'scores'->0), 'fires', label_scores->'fires')
              AS label_scores,
       ${
         filtered
           ? `coalesce(${where
               .slice(1)
               .map((c) => `(${c})`)
               .join(' AND ')}, false)`
           : 'NULL'
       } AS matches
     FROM features f WHERE ${where[0]} AND map_x IS NOT NULL AND map_y IS NOT NULL ORDER BY index`,
    params,
  );
  return {
    indices: rows.map((r) => r.index as number),
    x: rows.map((r) => r.map_x as number),
    y: rows.map((r) => r.map_y as number),
    density: rows.map((r) => r.density as number),
    labels: rows.map((r) => featureLabel(r.label as string | null, r.label_scores).text ?? ''),
    matches: filtered ? rows.map((r) => r.matches as boolean) : null,
  };
}
