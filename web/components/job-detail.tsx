'use client';
// One job followed live: progress and logs polled every POLL_MS until it ends. Logs come in their own request so
// an api without Job.logs still shows the progress.
import { useCallback, useEffect, useRef, useState } from 'react';
import { clientRequest, describeFailure } from '@/lib/client-request';
import type { JobFieldsFragment, JobLogsQuery } from '@/lib/gql/graphql';
import { JOB, JOB_LOGS } from '@/lib/job-queries';
import { isLive } from '@/lib/progress';
import { usePolling } from '@/lib/use-polling';
import { CancelJobButton } from './cancel-job-button';
import { JobProgress } from './job-progress';

type LogLine = NonNullable<JobLogsQuery['job']>['logs'][number];

/** The api answers this when it predates Job.logs (the field is agreed but may not be deployed yet). */
const NO_LOGS_FIELD = /Cannot query field "logs"/;

export function JobDetail({ initial }: { initial: JobFieldsFragment }) {
  const [job, setJob] = useState(initial);
  const [logs, setLogs] = useState<LogLine[] | null>(null);
  const [logsNote, setLogsNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const noLogsField = useRef(false);
  const loadLogs = useCallback(async () => {
    if (noLogsField.current) return;
    try {
      setLogs((await clientRequest(JOB_LOGS, { id: initial.id })).job?.logs ?? []);
    } catch (err) {
      noLogsField.current = NO_LOGS_FIELD.test(String(err));
      setLogsNote(noLogsField.current ? 'This api does not serve job logs yet.' : describeFailure(err));
    }
  }, [initial.id]);
  const refresh = useCallback(async () => {
    try {
      const next = (await clientRequest(JOB, { id: initial.id })).job;
      if (next) setJob(next);
      setError(null);
    } catch (err) {
      setError(`Could not refresh the job: ${describeFailure(err)}`);
    }
    await loadLogs();
  }, [initial.id, loadLogs]);
  useEffect(() => {
    void loadLogs();
  }, [loadLogs]);
  usePolling(refresh, isLive(job.state));
  const out = typeof job.payload.out === 'string' ? job.payload.out : null;
  return (
    <>
      <div className="stats">
        <span>
          type <b>{job.type}</b>
        </span>
        <span>
          attempts <b>{job.attempts}</b>
        </span>
        <span>created {new Date(job.createdAt).toLocaleString('en')}</span>
        {job.finishedAt && <span>finished {new Date(job.finishedAt).toLocaleString('en')}</span>}
        {job.dictionaryId && (
          <span>
            <a href={`/d/${job.dictionaryId}`}>dictionary {job.dictionaryId}</a>
          </span>
        )}
        {out && (
          <span data-testid="job-out">
            writes to <code>{out}</code> on the server
          </span>
        )}
      </div>
      <JobProgress job={job} />
      {isLive(job.state) && <CancelJobButton jobId={job.id} onCancelled={setJob} />}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <section>
        <h2>Payload</h2>
        <pre className="code">{JSON.stringify(job.payload, null, 2)}</pre>
      </section>
      <section>
        <h2>Logs</h2>
        {logsNote ? (
          <p className="muted">{logsNote}</p>
        ) : logs === null ? (
          <p className="muted">Loading…</p>
        ) : logs.length === 0 ? (
          <p className="muted">No log lines yet.</p>
        ) : (
          <pre className="code" data-testid="job-logs">
            {logs.map((l) => `${l.at} ${l.level.padEnd(5)} ${l.message}`).join('\n')}
          </pre>
        )}
      </section>
    </>
  );
}
