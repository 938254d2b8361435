// Feature-family links touching one dictionary, both directions, with the other dictionary's identity (its id
// means nothing in another database), and a batched insert.
import { selectRows, type Queryable } from './queryable.js';

/** One row of `feature_links` touching a dictionary D: `out` rows start at D, `in` rows end at D. */
export interface LinkRow {
  direction: 'out' | 'in';
  other_dictionary_id: number;
  other_name: string;
  other_hook_point: string;
  other_n_latents: number;
  /** The index in the row's `dictionary_id` (D for `out`, the other for `in`). */
  feature_index: number;
  rank: number;
  /** The index in the row's `other_dictionary_id` (the other for `out`, D for `in`). */
  other_index: number;
  cosine: number;
}

export async function readLinks(q: Queryable, dictionaryId: number): Promise<LinkRow[]> {
  return selectRows<LinkRow>(
    q,
    `SELECT CASE WHEN l.dictionary_id = $1 THEN 'out' ELSE 'in' END AS direction, o.id AS other_dictionary_id,
            o.name AS other_name, o.hook_point AS other_hook_point, o.n_latents AS other_n_latents,
            l.feature_index, l.rank, l.other_index, l.cosine
       FROM feature_links l
       JOIN dictionaries o ON o.id = CASE WHEN l.dictionary_id = $1 THEN l.other_dictionary_id ELSE l.dictionary_id END
      WHERE (l.dictionary_id = $1 OR l.other_dictionary_id = $1) AND l.dictionary_id <> l.other_dictionary_id
      ORDER BY direction DESC, o.name, o.hook_point, o.n_latents, o.id, l.feature_index, l.rank`,
    [dictionaryId],
  );
}

/** Insert links as (dictionary_id, feature_index, other_dictionary_id, rank, other_index, cosine) rows; existing keys are kept. */
export async function insertLinks(
  q: Queryable,
  rows: [number, number, number, number, number, number][],
): Promise<void> {
  for (let start = 0; start < rows.length; start += 5000) {
    const batch = rows.slice(start, start + 5000);
    await q.query(
      `INSERT INTO feature_links (dictionary_id, feature_index, other_dictionary_id, rank, other_index, cosine)
       SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::int[], $6::real[])
       ON CONFLICT DO NOTHING`,
      [0, 1, 2, 3, 4, 5].map((c) => batch.map((r) => r[c])),
    );
  }
}
