// A dictionary's explanations: all of them in (feature, id) order, and a batched insert that keeps created_at.
import { selectRows, type Queryable } from './queryable.js';

/** One row of `explanations` without its id (ids are local to a database). */
export interface ExplanationRow {
  feature_index: number;
  text: string;
  source: string;
  score: number | null;
  author: string | null;
  created_at: string;
}

export async function readExplanations(q: Queryable, dictionaryId: number): Promise<ExplanationRow[]> {
  return selectRows<ExplanationRow>(
    q,
    `SELECT feature_index, text, source, score, author, to_json(created_at) #>> '{}' AS created_at
       FROM explanations WHERE dictionary_id = $1 ORDER BY feature_index, id`,
    [dictionaryId],
  );
}

/** Insert explanations in the given order (so ids keep their relative order), one statement per 5,000 rows. */
export async function insertExplanations(q: Queryable, dictionaryId: number, rows: ExplanationRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 5000) {
    const batch = rows.slice(start, start + 5000);
    await q.query(
      `INSERT INTO explanations (dictionary_id, feature_index, text, source, score, author, created_at)
       SELECT $1, f, t, s, sc, a, c FROM unnest($2::int[], $3::text[], $4::text[], $5::real[], $6::text[], $7::timestamptz[])
         WITH ORDINALITY AS u(f, t, s, sc, a, c, n) ORDER BY n`,
      [
        dictionaryId,
        batch.map((r) => r.feature_index),
        batch.map((r) => r.text),
        batch.map((r) => r.source),
        batch.map((r) => r.score),
        batch.map((r) => r.author),
        batch.map((r) => r.created_at),
      ],
    );
  }
}

/** Remove a dictionary's explanations (before inserting them again: a rerun must not duplicate them). */
export async function deleteExplanations(q: Queryable, dictionaryId: number): Promise<void> {
  await q.query(`DELETE FROM explanations WHERE dictionary_id = $1`, [dictionaryId]);
}
