'use client';
// "Add to list" on a feature page: pick one of the lists this tab may see (key-only ones too, with its key), or
// name a new one, and add the feature with a note. Client-only: the page around it is cached per data version.
import Link from 'next/link';
import { useEffect, useState, type FormEvent } from 'react';
import { useApiKey } from '@/lib/api-key';
import { clientRequest, describeFailure } from '@/lib/client-request';
import { ADD_TO_LIST, CREATE_LIST, LIST_INDEX } from '@/lib/list-queries';

/** The select's value that means "make a new list with the name typed beside it". */
const NEW_LIST = 'new';

export function AddToList({ dictionaryId, index }: { dictionaryId: string; index: number }) {
  const apiKey = useApiKey();
  const [lists, setLists] = useState<{ id: string; name: string }[]>([]);
  // Until the person picks (or types a new list's name), the newest list they may see, else a new one.
  const [chosen, setChosen] = useState<string>();
  const choice = chosen ?? lists[0]?.id ?? NEW_LIST;
  const [message, setMessage] = useState<{ text: string; listId?: string; error?: boolean } | null>(null);

  useEffect(() => {
    if (!apiKey) return;
    clientRequest(LIST_INDEX, {}, apiKey)
      .then(({ lists: found }) => setLists(found))
      .catch((err: unknown) => setMessage({ text: describeFailure(err), error: true }));
  }, [apiKey]);

  if (!apiKey)
    return (
      <p className="muted" data-testid="add-to-list">
        Paste an API key (in any &quot;API key&quot; field on this page) to add this feature to a list.
      </p>
    );

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const note = String(form.get('note') ?? '');
    try {
      let listId = choice;
      if (choice === NEW_LIST) {
        const name = String(form.get('newName') ?? '').trim();
        if (!name) return setMessage({ text: 'Name the new list first.', error: true });
        const { createList } = await clientRequest(CREATE_LIST, { name }, apiKey);
        listId = createList.id;
        setLists((ls) => [createList, ...ls]);
        setChosen(listId);
      }
      const { addToList } = await clientRequest(ADD_TO_LIST, { listId, d: dictionaryId, i: index, note }, apiKey);
      setMessage({ text: `Added to ${addToList.name} (${addToList.itemCount} features).`, listId });
    } catch (err) {
      setMessage({ text: describeFailure(err), error: true });
    }
  };
  return (
    <form className="filters" onSubmit={submit} data-testid="add-to-list">
      <label>
        list
        <select value={choice} onChange={(e) => setChosen(e.target.value)} name="list">
          {lists.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
          <option value={NEW_LIST}>new list…</option>
        </select>
      </label>
      {choice === NEW_LIST && (
        <label>
          new list&apos;s name
          <input name="newName" maxLength={200} onChange={() => setChosen(NEW_LIST)} />
        </label>
      )}
      <label style={{ flex: '1 1 16rem' }}>
        note
        <input name="note" maxLength={2000} placeholder="why this feature" />
      </label>
      <button type="submit">Add to list</button>
      {message && (
        <p className={message.error ? 'error' : 'muted'} role="status" style={{ flexBasis: '100%' }}>
          {message.text} {message.listId && <Link href={`/lists/${message.listId}`}>Open the list</Link>}
        </p>
      )}
    </form>
  );
}
