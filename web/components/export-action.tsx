'use client';
// Export a dictionary (weights, features, examples) to a folder on the server, as a job; links to the job.
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { useApiKey } from '@/lib/api-key';
import { clientRequest, describeFailure } from '@/lib/client-request';
import { graphql } from '@/lib/gql';
import { ApiKeyField } from './api-key-field';

const EXPORT = graphql(`
  mutation ExportDictionary($input: ExportDictionaryInput!) {
    exportDictionary(input: $input) {
      id
      state
      payload
    }
  }
`);

export function ExportAction({ dictionaryId, defaultOut }: { dictionaryId: string; defaultOut: string }) {
  const apiKey = useApiKey();
  const [started, setStarted] = useState<{ id: string; out: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const out = String(new FormData(e.currentTarget).get('out') ?? '').trim();
    setError(null);
    try {
      const job = (await clientRequest(EXPORT, { input: { dictionaryId, out } }, apiKey)).exportDictionary;
      setStarted({ id: job.id, out: typeof job.payload.out === 'string' ? job.payload.out : out });
    } catch (err) {
      setError(describeFailure(err));
    }
  };
  return (
    <form className="filters" onSubmit={submit} data-testid="export-form">
      <label>
        folder on the server
        <input name="out" required defaultValue={defaultOut} size={28} />
      </label>
      <ApiKeyField />
      <button type="submit">Export</button>
      {started && (
        <p style={{ flexBasis: '100%' }} data-testid="export-started">
          <Link href={`/jobs/${started.id}`}>Job #{started.id}</Link> writes this dictionary to{' '}
          <code>{started.out}</code> on the server.
        </p>
      )}
      {error && (
        <p className="error" role="alert" style={{ flexBasis: '100%' }}>
          {error}
        </p>
      )}
    </form>
  );
}
