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

export function JobTable({ initial }: { initial: JobFieldsFragment[] }) {
  const [jobs, setJobs] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(async () => {
    try {
      setJobs((await clientRequest(JOBS, {})).jobs);
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
  return (
    <>
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
