// A job's state and progress bar, shared by the jobs table and the job page.
import type { JobFieldsFragment } from '@/lib/gql/graphql';
import { formatEta, formatFraction, formatRate } from '@/lib/progress';

/** A job's state and progress: a bar with the fraction, throughput and ETA while live, the error when failed. */
export function JobProgress({ job }: { job: JobFieldsFragment }) {
  const p = job.progress;
  const done = job.state === 'succeeded' ? 1 : p.fraction;
  return (
    <div className="job-progress" data-testid="job-progress">
      <span className={`job-state job-${job.state}`}>{job.state}</span>
      <progress max={1} value={done} aria-label={`job ${job.id} progress`} />
      <span>{formatFraction(done)}</span>
      {job.state === 'running' && (
        <>
          <span>{formatRate(p.rate, p.unit)}</span>
          <span>ETA {formatEta(p.etaSeconds)}</span>
        </>
      )}
      {job.state === 'queued' && <span className="muted">waiting for a worker</span>}
      {p.message && <span className="muted">{p.message}</span>}
      {job.error && (
        <span className="job-error" role="alert">
          {job.error}
        </span>
      )}
    </div>
  );
}
