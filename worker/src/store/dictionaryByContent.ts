// What the atlas knows about a dictionary's content (see engine/sae/contentHash.ts): the row holding it, whether an
// analysis of it is under way, or that it was deleted. The demo decides from this what to build.
import type { DataSource } from 'typeorm';

export type ContentState =
  | { kind: 'absent' }
  | { kind: 'deleted'; name: string; deletedAt: Date }
  | {
      kind: 'present';
      id: number;
      status: string;
      weightsPath: string | null;
      /** Owner of a live analysis claim, or of an analysis job still queued or running; null when none. */
      analysedBy: string | null;
    };

/**
 * The state of `contentHash`: a dictionary with it (or, for rows from before content was recorded, one registered
 * for `folder`), else its tombstone, else absent.
 */
export async function dictionaryByContent(ds: DataSource, contentHash: string, folder: string): Promise<ContentState> {
  const [row] = (await ds.query(
    `SELECT d.id, d.status, d.weights_path,
            coalesce(
              (SELECT c.owner FROM analysis_claims c WHERE c.dictionary_id = d.id AND c.expires_at > now()),
              (SELECT 'job ' || j.id FROM jobs j
                WHERE j.dictionary_id = d.id AND j.type IN ('analyze', 'import') AND j.state IN ('queued', 'running')
                ORDER BY j.id LIMIT 1)
            ) AS analysed_by
       FROM dictionaries d
      WHERE d.content_hash = $1 OR (d.content_hash IS NULL AND d.weights_path = $2)
      ORDER BY (d.content_hash = $1) DESC NULLS LAST, d.id LIMIT 1`,
    [contentHash, folder],
  )) as { id: number; status: string; weights_path: string | null; analysed_by: string | null }[];
  if (row)
    return {
      kind: 'present',
      id: row.id,
      status: row.status,
      weightsPath: row.weights_path,
      analysedBy: row.analysed_by,
    };
  const [gone] = (await ds.query(`SELECT name, deleted_at FROM dictionary_tombstones WHERE content_hash = $1`, [
    contentHash,
  ])) as { name: string; deleted_at: Date }[];
  return gone ? { kind: 'deleted', name: gone.name, deletedAt: new Date(gone.deleted_at) } : { kind: 'absent' };
}

/** Point a dictionary at the folder its weights are in now (a moved or copied atlas). */
export async function relocateDictionary(ds: DataSource, id: number, folder: string): Promise<void> {
  await ds.query(`UPDATE dictionaries SET weights_path = $2 WHERE id = $1`, [id, folder]);
}
