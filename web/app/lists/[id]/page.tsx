// A feature list's page. The server reads it without a key (public lists); a key-only list is read by the browser
// with the tab's key (ListView).
import { notFound } from 'next/navigation';
import { ListView } from '@/components/list-view';
import { request } from '@/lib/graphql';
import { LIST_PAGE } from '@/lib/list-queries';

export const dynamic = 'force-dynamic';

export default async function ListPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d{1,10}$/.test(id)) notFound();
  const { list } = await request(LIST_PAGE, { id });
  return <ListView id={id} initial={list ?? null} />;
}
