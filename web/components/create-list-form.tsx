'use client';
// Make a feature list with the tab's API key, then open it.
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ApiKeyField } from '@/components/api-key-field';
import { useApiKey } from '@/lib/api-key';
import { clientRequest, describeFailure } from '@/lib/client-request';
import { CREATE_LIST } from '@/lib/list-queries';

export function CreateListForm() {
  const apiKey = useApiKey();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    if (!apiKey)
      return setError('Paste an API key first (an operator creates one with npm run api:key -- create --name you).');
    try {
      const { createList } = await clientRequest(
        CREATE_LIST,
        {
          name: String(form.get('name') ?? ''),
          description: String(form.get('description') ?? ''),
          visibility: form.get('keyOnly') ? 'KEY' : 'PUBLIC',
        },
        apiKey,
      );
      router.push(`/lists/${createList.id}`);
    } catch (err) {
      setError(describeFailure(err));
    }
  };
  return (
    <form className="filters" onSubmit={submit} data-testid="create-list-form">
      <label>
        name
        <input name="name" required maxLength={200} />
      </label>
      <label style={{ flex: '1 1 20rem' }}>
        description
        <input name="description" maxLength={5000} />
      </label>
      <label>
        <input type="checkbox" name="keyOnly" /> key-only
      </label>
      <ApiKeyField />
      <button type="submit">Create</button>
      {error && (
        <p className="error" role="alert" style={{ flexBasis: '100%' }}>
          {error}
        </p>
      )}
    </form>
  );
}
