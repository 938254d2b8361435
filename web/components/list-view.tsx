'use client';
// One feature list: each item's feature as a card (label, explanation, strongest context) with its note, in list
// order. With an API key in the tab: remove and move buttons, and key-only lists are read with the key (the server
// render, which has no key, shows them as not found). The export is the api's exportJson, downloaded as a file.
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { TokenWindow } from '@/components/token-window';
import { ApiKeyField } from '@/components/api-key-field';
import { useApiKey } from '@/lib/api-key';
import { clientRequest, describeFailure } from '@/lib/client-request';
import { fmt, fmtDensity } from '@/lib/format';
import { moved } from '@/lib/list-order';
import { LIST_PAGE, REMOVE_FROM_LIST, REORDER_LIST, type ListView as ListData } from '@/lib/list-queries';

export function ListView({ id, initial }: { id: string; initial: ListData | null }) {
  const apiKey = useApiKey();
  const [list, setList] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // A key-only list: the server saw nothing; a tab with a key asks again with it.
  useEffect(() => {
    if (list || !apiKey) return;
    clientRequest(LIST_PAGE, { id }, apiKey)
      .then((answer) => setList(answer.list ?? null))
      .catch((err: unknown) => setError(describeFailure(err)));
  }, [apiKey, id, list]);

  if (!list)
    return (
      <>
        <h1>List {id}</h1>
        <p className="empty" data-testid="list-missing">
          No list {id} here, or it is key-only: paste an API key to read key-only lists.
        </p>
        <ApiKeyField />
        {error && <p className="error">{error}</p>}
      </>
    );

  const write = async (run: () => Promise<ListData>) => {
    setBusy(true);
    setError(null);
    try {
      setList(await run());
    } catch (err) {
      setError(describeFailure(err));
    } finally {
      setBusy(false);
    }
  };
  const ids = list.items.map((item) => item.id);
  const move = (from: number, to: number) =>
    write(
      async () =>
        (await clientRequest(REORDER_LIST, { listId: id, itemIds: moved(ids, from, to) }, apiKey)).reorderList,
    );
  const remove = (itemId: string) =>
    write(async () => (await clientRequest(REMOVE_FROM_LIST, { listId: id, itemId }, apiKey)).removeFromList);

  return (
    <>
      <p className="muted">
        <Link href="/lists">Lists</Link> / {list.name}
      </p>
      <h1 data-testid="list-title">{list.name}</h1>
      {list.description && <p>{list.description}</p>}
      <p className="muted">
        {list.items.length} feature{list.items.length === 1 ? '' : 's'} ·{' '}
        {list.visibility === 'KEY' ? 'key-only' : 'public'} ·{' '}
        <a
          download={`list-${list.id}.json`}
          href={`data:application/json;charset=utf-8,${encodeURIComponent(list.exportJson)}`}
          data-testid="list-export"
        >
          export JSON
        </a>
      </p>
      <ol className="list-items" data-testid="list-items">
        {list.items.map((item, i) => {
          const f = item.feature;
          const href = `/d/${item.dictionary.id}/f/${item.featureIndex}`;
          return (
            <li
              key={item.id}
              className="list-item"
              data-testid="list-item"
              data-feature={`${item.dictionary.id}/${item.featureIndex}`}
            >
              <div className="list-item-head">
                <Link href={href}>
                  {item.dictionary.name} #{item.featureIndex}
                </Link>{' '}
                <b>{f?.label ?? <span className="muted">unlabelled</span>}</b>
                {f && (
                  <span className="muted">
                    {' '}
                    · density {fmtDensity(f.density)} · max {fmt(f.maxActivation, 2)}
                  </span>
                )}
                {apiKey && (
                  <span className="list-item-actions">
                    <button
                      type="button"
                      disabled={busy || i === 0}
                      onClick={() => move(i, i - 1)}
                      aria-label="move up"
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      disabled={busy || i === list.items.length - 1}
                      onClick={() => move(i, i + 1)}
                      aria-label="move down"
                    >
                      ↓
                    </button>
                    <button type="button" disabled={busy} onClick={() => remove(item.id)}>
                      remove
                    </button>
                  </span>
                )}
              </div>
              {item.note && (
                <p className="list-note" data-testid="list-note">
                  {item.note}
                </p>
              )}
              {f?.explanations[0] && <p className="muted">{f.explanations[0].text}</p>}
              {f?.topActivations[0] && (
                <TokenWindow
                  example={f.topActivations[0]}
                  scale={f.maxActivation ?? f.topActivations[0].maxActivation}
                />
              )}
            </li>
          );
        })}
      </ol>
      {!list.items.length && (
        <p className="empty">No features yet: add them from a feature page (&quot;Add to list&quot;).</p>
      )}
      <ApiKeyField />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
