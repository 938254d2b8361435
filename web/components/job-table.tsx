'use client';
// The jobs list: rendered by the server, then refreshed every POLL_MS while any job is queued or running.
import Link from 'next/link';
import { useCallback, useState } from 'react';
import { clientRequest, describeFailure } from '@/lib/client-request';
import type { JobFieldsFragment } from '@/lib/gql/graphql';
import { JOBS } from '@/lib/job-queries';
import { isLive } from '@/lib/progress';
import { usePolling } from '@/lib/use-polling';
import { CancelJobButton } from './cancel-job-button';
import { JobProgress } from './job-progress';

export function JobTable({ initial, initialWorkers }: { initial: JobFieldsFragment[]; initialWorkers: number }) {
  const [jobs, setJobs] = useState(initial);
  const [workers, setWorkers] = useState(initialWorkers);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(async () => {
    try {
      const now = await clientRequest(JOBS, {});
      setJobs(now.jobs);
      setWorkers(now.workers.length);
      setError(null);
    } catch (err) {
      setError(`Could not refresh the jobs: ${describeFailure(err)}`);
    }
  }, []);
  usePolling(
    refresh,
    jobs.some((j) => isLive(j.state)),
  );
  const replace = (job: JobFieldsFragment) => setJobs((js) => js.map((j) => (j.id === job.id ? job : j)));
  if (jobs.length === 0) return <p className="empty">No jobs yet. Start an import below.</p>;
  const waiting = jobs.filter((j) => j.state === 'queued').length;
  return (
    <>
      {waiting > 0 && workers === 0 && (
        <p className="error" role="status" data-testid="no-worker">
          No worker has been seen in the last minute, so{' '}
          {waiting === 1 ? 'the queued job waits' : `${waiting} queued jobs wait`}. Start one with{' '}
          <code>npm run worker -- work</code> (against the same database), or run <code>npm start</code> without{' '}
          <code>ATLAS_WORKERS=0</code>: it runs one by default.
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table data-testid="jobs">
        <thead>
          <tr>
            <th>Job</th>
            <th>Progress</th>
            <th />
            <th>Type</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id} data-job-id={job.id}>
              <td>
                <Link href={`/jobs/${job.id}`}>#{job.id}</Link>
              </td>
              <td>
                <JobProgress job={job} />
              </td>
              <td>{isLive(job.state) && <CancelJobButton jobId={job.id} onCancelled={replace} />}</td>
              <td>{job.type}</td>
              <td className="muted">{new Date(job.createdAt).toLocaleString('en')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
