import type { Job, JobType } from '@atlas/migrations';
import type { DataSource } from 'typeorm';

/**
 * Take the oldest runnable job of the given types: queued and due, or running with an expired lease (its worker
 * died). One statement, so two workers never take the same job (SKIP LOCKED on PostgreSQL; on the embedded
 * engine statements are serialised anyway).
 */
export async function claimJob(
  dataSource: DataSource,
  types: readonly JobType[],
  workerId: string,
  leaseMs: number,
): Promise<Job | undefined> {
  if (types.length === 0) return undefined;
  const rows: Job[] = await dataSource.query(
    // Wrapped in a CTE: TypeORM returns [rows, count] for a bare UPDATE but plain rows for a SELECT.
    `WITH claimed AS (UPDATE jobs SET state = 'running', locked_by = $1, locked_until = now() + ($2 || ' milliseconds')::interval,
       attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now()
     WHERE id = (
       SELECT id FROM jobs
       WHERE type = ANY($3::text[])
         AND ((state = 'queued' AND run_at <= now()) OR (state = 'running' AND locked_until < now()))
       ORDER BY run_at, id
       FOR UPDATE SKIP LOCKED
       LIMIT 1)
     RETURNING id, type, payload, checkpoint, attempts)
     SELECT * FROM claimed`,
    [workerId, String(leaseMs), types],
  );
  return rows[0];
}
