'use client';
// A feature's explanations, newest first, and a form that adds one with the tab's API key; the new explanation
// appears at once from the mutation's answer, without reloading the page.
import { useState, type FormEvent } from 'react';
import { useApiKey } from '@/lib/api-key';
import { clientRequest, describeFailure } from '@/lib/client-request';
import { graphql } from '@/lib/gql';
import { ApiKeyField } from './api-key-field';

const SET_EXPLANATION = graphql(`
  mutation SetExplanation($d: ID!, $i: Int!, $text: String!) {
    setExplanation(dictionaryId: $d, index: $i, text: $text) {
      id
      text
      source
      author
      score
    }
  }
`);

export interface ExplanationView {
  text: string;
  source: string;
  author?: string | null;
}

export function ExplanationEditor({
  dictionaryId,
  index,
  initial,
}: {
  dictionaryId: string;
  index: number;
  initial: ExplanationView[];
}) {
  const apiKey = useApiKey();
  const [explanations, setExplanations] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const text = String(new FormData(form).get('text') ?? '').trim();
    if (!text) return setError('Write the explanation first.');
    if (!apiKey)
      return setError(
        'Paste an API key in the "API key" field first (an operator creates one with npm run api:key -- create --name you).',
      );
    setBusy(true);
    setError(null);
    try {
      const { setExplanation } = await clientRequest(SET_EXPLANATION, { d: dictionaryId, i: index, text }, apiKey);
      setExplanations((es) => [setExplanation, ...es]);
      form.reset();
    } catch (err) {
      setError(describeFailure(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <div data-testid="explanations">
        {explanations.length ? (
          explanations.map((e, i) => (
            <p key={i}>
              {e.text} <span className="muted">— {e.author ?? e.source}</span>
            </p>
          ))
        ) : (
          <p className="muted">None yet.</p>
        )}
      </div>
      <form className="filters" onSubmit={submit} data-testid="explanation-form">
        <label style={{ flex: '1 1 20rem' }}>
          your explanation
          <textarea name="text" rows={2} maxLength={2000} placeholder="e.g. fires on prepositions of place" />
        </label>
        <ApiKeyField />
        <button type="submit" disabled={busy}>
          Save
        </button>
        {error && (
          <p className="error" role="alert" style={{ flexBasis: '100%' }}>
            {error}
          </p>
        )}
      </form>
    </>
  );
}
