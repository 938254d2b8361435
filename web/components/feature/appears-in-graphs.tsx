// The attribution graphs in which a feature is a node, newest first, each linking to its graph page; nothing when
// there are none (most features of most dictionaries are in no graph).
import Link from 'next/link';
import type { FeaturePageFeature } from '@/lib/feature-page-query';

export function AppearsInGraphs({ graphs }: { graphs: FeaturePageFeature['graphs'] }) {
  if (!graphs.length) return null;
  return (
    <section data-testid="feature-graphs">
      <h2>Appears in graphs</h2>
      <ul>
        {graphs.map((g) => (
          <li key={g.id}>
            <Link href={`/graphs/${g.id}`}>{g.title}</Link>{' '}
            <span className="muted">
              {g.modelName}, {new Date(g.createdAt).toISOString().slice(0, 10)}
              {g.title !== g.prompt && <> · “{g.prompt}”</>}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
