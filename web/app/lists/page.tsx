// Feature lists, newest first (public ones; key-only ones are read with a key through the api), and a form to make one.
import Link from 'next/link';
import { CreateListForm } from '@/components/create-list-form';
import { request } from '@/lib/graphql';
import { LIST_INDEX } from '@/lib/list-queries';

export const dynamic = 'force-dynamic';

export default async function ListsPage() {
  const { lists } = await request(LIST_INDEX, {});
  return (
    <>
      <h1>Feature lists</h1>
      <p className="muted">
        Named collections of features across dictionaries, each with a note: add one from a feature page (&quot;Add to
        list&quot;), share its address, or export it as JSON.
      </p>
      {lists.length ? (
        <table data-testid="list-index">
          <thead>
            <tr>
              <th>name</th>
              <th>features</th>
              <th>description</th>
              <th>updated</th>
            </tr>
          </thead>
          <tbody>
            {lists.map((l) => (
              <tr key={l.id}>
                <td>
                  <Link href={`/lists/${l.id}`}>{l.name}</Link>
                </td>
                <td>{l.itemCount}</td>
                <td>{l.description}</td>
                <td>{new Date(l.updatedAt).toISOString().replace('T', ' ').slice(0, 16)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="empty">No public lists yet.</p>
      )}
      <h2>New list</h2>
      <CreateListForm />
    </>
  );
}
