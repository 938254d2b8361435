// Attribution graphs, newest first (optionally of one model): title, model, prompt, size and when each was made.
import Link from 'next/link';
import { request } from '@/lib/graphql';
import { GRAPH_LIST } from '@/lib/graph-queries';

export const dynamic = 'force-dynamic';

/** Most graphs listed at once: the api's largest page (its MAX_PAGE; more is refused as BAD_USER_INPUT). */
const LISTED = 100;

export default async function GraphsPage({ searchParams }: { searchParams: Promise<{ model?: string }> }) {
  const { model } = await searchParams;
  const { graphs } = await request(GRAPH_LIST, { modelName: model ?? null, first: LISTED });
  return (
    <>
      <h1>Attribution graphs{model && <> of {model}</>}</h1>
      <p className="muted">
        Which features, through which paths, made the model say its next token: transcoder features by layer and token
        position, with their direct effects on each other and on the logits.
        {model && (
          <>
            {' '}
            <Link href="/graphs">All models</Link>.
          </>
        )}
      </p>
      {graphs.length ? (
        <table data-testid="graph-list">
          <thead>
            <tr>
              <th>title</th>
              <th>model</th>
              <th>prompt</th>
              <th>nodes</th>
              <th>edges</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {graphs.map((g) => (
              <tr key={g.id}>
                <td>
                  <Link href={`/graphs/${encodeURIComponent(g.id)}`}>{g.title}</Link>
                </td>
                <td>
                  <Link href={`/graphs?model=${encodeURIComponent(g.modelName)}`}>{g.modelName}</Link>
                </td>
                <td>{g.prompt}</td>
                <td>{g.nodeCount}</td>
                <td>{g.edgeCount}</td>
                <td>{new Date(g.createdAt).toISOString().replace('T', ' ').slice(0, 16)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="empty" data-testid="graph-list-empty">
          No attribution graphs yet. Build one with the api&apos;s attributionGraph mutation, or import a Neuronpedia
          graph JSON with importGraph.
        </p>
      )}
    </>
  );
}
