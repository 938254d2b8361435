// The same direction in the other widths trained on this hook point (feature splitting), best first, as links.
import Link from 'next/link';
import type { FeaturePageFeature } from '@/lib/feature-page-query';

export function FeatureFamily({ family }: { family: FeaturePageFeature['family'] }) {
  return (
    <section>
      <h2>Family across widths</h2>
      {family.length ? (
        family.map((n) => (
          <Link
            key={`${n.feature.dictionaryId}:${n.feature.index}`}
            className="pill"
            href={`/d/${n.feature.dictionaryId}/f/${n.feature.index}`}
          >
            d{n.feature.dictionaryId} #{n.feature.index} {n.feature.label ?? ''} · {n.cosine.toFixed(2)}
          </Link>
        ))
      ) : (
        <p className="muted">No other width on this hook point.</p>
      )}
    </section>
  );
}
