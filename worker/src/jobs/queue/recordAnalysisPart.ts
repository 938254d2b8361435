// A part of a split analysis recorded as done on its split job; the last part to land queues the merge job.
import { AtlasError } from '../../errors.js';
import type { Queryable } from '../../store/queryable.js';

/** What recording a part found: the parts recorded so far, and the merge job if this call enqueued it. */
export interface RecordedPart {
  partsDone: number;
  mergeJobId: number | null;
}

/**
 * Record part `index` of `of` (its partial at `file`) as done on the split job `parent`, and if that makes all
 * parts done and no merge was queued yet, enqueue the merge job. One statement: the UPDATE row-locks the parent,
 * so concurrent parts apply one after another (each on the row the previous one left) and exactly one of them sees
 * the last part land. Parts are a set keyed by index, so a retried part counts once; the merge is queued only by
 * the transaction that set `mergeQueuedIn` (its id), so any later recording, even of the same part, queues nothing.
 * `by` (the part job's id and attempt) is kept beside it for the reader.
 */
export async function recordAnalysisPart(
  q: Queryable,
  part: { parent: number; index: number; of: number; file: string },
  by: string,
): Promise<RecordedPart> {
  const rows = (await q.query(
    `WITH recorded AS (
       UPDATE jobs SET updated_at = now(), checkpoint = coalesce(checkpoint, '{}'::jsonb)
         || jsonb_build_object('parts', coalesce(checkpoint->'parts', '{}'::jsonb) || jsonb_build_object($2::text, $3::text))
         || CASE
              WHEN checkpoint ? 'mergeQueuedBy' THEN '{}'::jsonb
              WHEN (SELECT count(*) FROM jsonb_object_keys(
                      coalesce(checkpoint->'parts', '{}'::jsonb) || jsonb_build_object($2::text, $3::text))) = $4
                THEN jsonb_build_object('mergeQueuedBy', $5::text, 'mergeQueuedIn', txid_current()::text)
              ELSE '{}'::jsonb
            END
       WHERE id = $1 AND type = 'analyze'
       RETURNING checkpoint, payload, dictionary_id),
     merge AS (
       INSERT INTO jobs (type, payload, dictionary_id)
       SELECT 'analyze',
              (r.payload - 'split') || jsonb_build_object('merge', jsonb_build_object('parent', $1::int,
                'files', (SELECT jsonb_agg(f.value ORDER BY f.key::int) FROM jsonb_each_text(r.checkpoint->'parts') f))),
              r.dictionary_id
       FROM recorded r WHERE r.checkpoint->>'mergeQueuedIn' = txid_current()::text
       RETURNING id)
     SELECT (SELECT count(*)::int FROM recorded r, jsonb_object_keys(r.checkpoint->'parts')) AS "partsDone",
            (SELECT id FROM merge) AS "mergeJobId",
            EXISTS (SELECT 1 FROM recorded) AS found`,
    [part.parent, String(part.index), part.file, part.of, by],
  )) as (RecordedPart & { found: boolean })[];
  const [{ partsDone, mergeJobId, found }] = rows;
  if (!found)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `split analyze job ${part.parent} (the parent of this part) no longer exists; enqueue the split analysis again`,
    );
  return { partsDone, mergeJobId };
}
