'use client';
// The Cancel button of a queued or running job, sent with the tab's API key.
import { useState } from 'react';
import { useApiKey } from '@/lib/api-key';
import { clientRequest, describeFailure } from '@/lib/client-request';
import type { JobFieldsFragment } from '@/lib/gql/graphql';
import { CANCEL_JOB } from '@/lib/job-queries';

/** Cancels a queued or running job with the tab's API key; reports the job as the api now has it. */
export function CancelJobButton({
  jobId,
  onCancelled,
}: {
  jobId: string;
  onCancelled: (job: JobFieldsFragment) => void;
}) {
  const apiKey = useApiKey();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      onCancelled((await clientRequest(CANCEL_JOB, { id: jobId }, apiKey)).cancelJob);
    } catch (err) {
      setError(describeFailure(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span>
      <button type="button" onClick={cancel} disabled={busy}>
        Cancel
      </button>
      {error && (
        <span className="job-error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </span>
  );
}
