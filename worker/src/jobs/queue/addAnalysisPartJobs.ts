// The part jobs of a split analysis, enqueued once: a retried split job finds the parts its earlier attempt added.
import type { DataSource } from 'typeorm';

/** The part jobs' ids in enqueue order; `fresh` when this call added them, false when they were there already. */
export interface AnalysisPartJobs {
  ids: number[];
  fresh: boolean;
}

/**
 * Enqueue one `analyze` job per payload (in order, each linked to `dictionaryId`) for split job `parentId`, unless
 * jobs whose payload names `parentId` as their parent exist: then return those. Under a lock on the split job's
 * row, so two attempts of it never both add parts.
 */
export async function addAnalysisPartJobs(
  dataSource: DataSource,
  parentId: number,
  payloads: readonly object[],
  dictionaryId: number,
): Promise<AnalysisPartJobs> {
  return dataSource.transaction(async (m) => {
    await m.query(`SELECT id FROM jobs WHERE id = $1 FOR UPDATE`, [parentId]);
    const existing = (await m.query(
      `SELECT id FROM jobs WHERE type = 'analyze' AND payload->'part'->>'parent' = $1 ORDER BY id`,
      [String(parentId)],
    )) as { id: number }[];
    if (existing.length > 0) return { ids: existing.map((r) => r.id), fresh: false };
    const inserted = (await m.query(
      `INSERT INTO jobs (type, payload, dictionary_id)
       SELECT 'analyze', p.value, $2 FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS p(value, n) ORDER BY p.n
       RETURNING id`,
      [JSON.stringify(payloads), dictionaryId],
    )) as { id: number }[];
    return { ids: inserted.map((r) => r.id).sort((a, b) => a - b), fresh: true };
  });
}
