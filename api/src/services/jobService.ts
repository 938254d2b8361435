// Jobs as the api sees them: enqueue (payload checked by the shared zod schema), read, watch, cancel, and logs.
import { Job, JobPayloads, type JobType } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { PublicError } from '../errors.js';

/** Validate and insert a job; the message names each bad field. */
export async function enqueueJob(
  ds: DataSource,
  type: JobType,
  payload: Record<string, unknown>,
  dictionaryId: number | null = null,
): Promise<Job> {
  // An optional GraphQL input field sent as an explicit null means "not given": drop it so the payload schema's
  // defaults apply (the zod schemas accept absent optional fields, not nulls).
  const given = Object.fromEntries(Object.entries(payload).filter(([, v]) => v != null));
  const parsed = JobPayloads[type].safeParse(given);
  if (!parsed.success)
    throw new PublicError(
      'BAD_USER_INPUT',
      parsed.error.issues.map((i) => `${i.path.join('.') || type}: ${i.message}`).join('; '),
    );
  const repo = ds.getRepository(Job);
  return repo.save(repo.create({ type, payload: parsed.data as Record<string, unknown>, dictionaryId }));
}

/** Each dictionary's newest job (null where it has none), in one statement for a whole list of dictionaries. */
export async function latestJobsOfDictionaries(
  ds: DataSource,
  dictionaryIds: readonly number[],
): Promise<(Job | null)[]> {
  const rows = await ds
    .getRepository(Job)
    .createQueryBuilder('j')
    .distinctOn(['j.dictionary_id'])
    .where('j.dictionary_id IN (:...ids)', { ids: [...dictionaryIds] })
    .orderBy('j.dictionary_id')
    .addOrderBy('j.id', 'DESC')
    .getMany();
  const byId = new Map(rows.map((j) => [j.dictionaryId, j]));
  return dictionaryIds.map((id) => byId.get(id) ?? null);
}

export async function getJob(ds: DataSource, id: number): Promise<Job | null> {
  return ds.getRepository(Job).findOneBy({ id });
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * The job now, then again at every change of its state, progress or error, until it ends: what a job-progress
 * subscription streams. It polls the jobs table (every `intervalMs`), so workers on any machine report through the
 * database alone; `return()` (the client unsubscribed) stops the polling within one interval.
 */
export function watchJob(ds: DataSource, id: number, intervalMs: number): AsyncIterableIterator<Job> {
  let stopped = false;
  let ended = false;
  let last: string | undefined;
  const done = (): IteratorResult<Job> => ({ value: undefined, done: true });
  return {
    async next() {
      while (!stopped && !ended) {
        const job = await getJob(ds, id);
        if (!job) return done(); // deleted meanwhile
        ended = ENDED.has(job.state);
        const seen = JSON.stringify([job.state, job.progress, job.error, job.attempts]);
        if (seen !== last) {
          last = seen;
          return { value: job, done: false };
        }
        if (!ended) await new Promise((r) => setTimeout(r, intervalMs));
      }
      return done();
    },
    async return() {
      stopped = true;
      return done();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export async function listJobs(ds: DataSource, state: string | undefined, first: number): Promise<Job[]> {
  return ds
    .getRepository(Job)
    .find({ where: state ? { state: state as Job['state'] } : {}, order: { id: 'DESC' }, take: first });
}

/**
 * Cancel a queued or running job (a running one stops at its next progress report). A split analysis is one unit:
 * cancelling the split job or any of its parts cancels every part and the merge still queued or running (the split
 * job itself finishes as soon as it has queued the parts, so it could not be cancelled otherwise).
 */
export async function cancelJob(ds: DataSource, id: number): Promise<Job> {
  const rows = (await ds.query(
    `WITH target AS (
       SELECT coalesce((payload->'part'->>'parent')::int, (payload->'merge'->>'parent')::int, id) AS split
       FROM jobs WHERE id = $1),
     c AS (
       UPDATE jobs SET state = 'cancelled', finished_at = now(), updated_at = now()
       WHERE state IN ('queued', 'running') AND (
         id = $1
         OR (type = 'analyze' AND ((payload->'part'->>'parent')::int = (SELECT split FROM target)
                               OR (payload->'merge'->>'parent')::int = (SELECT split FROM target)))
         OR id = (SELECT split FROM target))
       RETURNING id)
     SELECT id FROM c`,
    [id],
  )) as { id: number }[];
  const job = await getJob(ds, id);
  if (!job) throw new PublicError('NOT_FOUND', `no job ${id}; list them with { jobs { id type state } }.`);
  if (rows.length === 0 && job.state !== 'cancelled')
    throw new PublicError(
      'BAD_USER_INPUT',
      `job ${id} has already ${job.state}; only queued or running jobs can be cancelled.`,
    );
  return job;
}

export interface JobLogRow {
  jobId: number;
  at: Date;
  level: string;
  message: string;
}

/** The newest `last` log lines of each job, oldest first: one statement for any number of jobs. */
export async function jobLogsByIds(ds: DataSource, jobIds: readonly number[], last: number): Promise<JobLogRow[][]> {
  const rows = (await ds.query(
    `SELECT j.id AS job_id, l.at, l.level, l.message
     FROM unnest($1::int[]) AS j(id)
     CROSS JOIN LATERAL (
       SELECT id, at, level, message FROM job_logs WHERE job_id = j.id ORDER BY id DESC LIMIT $2) l
     ORDER BY j.id, l.id`,
    [jobIds, last],
  )) as { job_id: number; at: Date; level: string; message: string }[];
  const byJob = new Map<number, JobLogRow[]>(jobIds.map((id) => [id, []]));
  for (const r of rows) byJob.get(r.job_id)!.push({ jobId: r.job_id, at: r.at, level: r.level, message: r.message });
  return jobIds.map((id) => byJob.get(id)!);
}
