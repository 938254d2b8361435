// A feature's strongest contexts, each token tinted on the page's one scale; says why when there are none.
import { TokenWindow } from '@/components/token-window';
import type { FeaturePageFeature } from '@/lib/feature-page-query';

export function TopActivations({
  examples,
  scale,
  neverFired,
}: {
  examples: FeaturePageFeature['topActivations'];
  /** The activation drawn at full tint. */
  scale: number;
  /** "Never fired on N analysed tokens.", or false when it fired. */
  neverFired: string | false;
}) {
  return (
    <section>
      <h2>Top activations</h2>
      {examples.length ? (
        examples.map((e, i) => <TokenWindow key={i} example={e} scale={scale} />)
      ) : (
        <p className="empty">{neverFired || 'No examples were stored for this feature.'}</p>
      )}
    </section>
  );
}
