'use client';
// Bring your own SAE: a SAELens or sparsify folder already on the server becomes a dictionary in one job
// (load, analyse over the corpus, ingest). The form starts it and hands over to the job's page.
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useApiKey } from '@/lib/api-key';
import { clientRequest, describeFailure } from '@/lib/client-request';
import { graphql } from '@/lib/gql';
import { ApiKeyField } from './api-key-field';

const IMPORT_SAE = graphql(`
  mutation ImportSae($input: ImportSaeInput!) {
    importSae(input: $input) {
      id
    }
  }
`);

export function ImportForm() {
  const router = useRouter();
  const apiKey = useApiKey();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const field = (name: string) => String(form.get(name) ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      const corpus = field('corpus');
      const { importSae } = await clientRequest(
        IMPORT_SAE,
        // An empty corpus is left out so the api applies its default ("brown").
        { input: { path: field('path'), model: field('model'), ...(corpus && { corpus }) } },
        apiKey,
      );
      router.push(`/jobs/${importSae.id}`);
    } catch (err) {
      setError(describeFailure(err));
      setBusy(false);
    }
  };
  return (
    <form className="filters" onSubmit={submit} data-testid="import-form">
      <label>
        SAE folder on the server (SAELens or sparsify)
        <input name="path" required placeholder="/data/saes/gpt2-small-res-jb/blocks.6.hook_resid_pre" size={40} />
      </label>
      <label>
        model
        <input name="model" required defaultValue="builtin" size={12} />
      </label>
      <label>
        corpus
        <input name="corpus" placeholder="brown" size={10} />
      </label>
      <ApiKeyField />
      <button type="submit" disabled={busy}>
        Import
      </button>
      {error && (
        <p className="error" role="alert" style={{ flexBasis: '100%' }}>
          {error}
        </p>
      )}
    </form>
  );
}
