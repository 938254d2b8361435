// The features of the same dictionary whose decoder directions are closest (cosine), each a link to its page.
import Link from 'next/link';
import type { FeaturePageFeature } from '@/lib/feature-page-query';

export function NearestFeatures({
  dictionaryId,
  neighbors,
}: {
  dictionaryId: string;
  neighbors: FeaturePageFeature['neighbors'];
}) {
  return (
    <section>
      <h2>Nearest features (decoder cosine)</h2>
      {neighbors.map((n) => (
        <Link key={n.feature.index} className="pill" href={`/d/${dictionaryId}/f/${n.feature.index}`}>
          #{n.feature.index} {n.feature.label ?? ''} · {n.cosine.toFixed(2)}
        </Link>
      ))}
    </section>
  );
}
