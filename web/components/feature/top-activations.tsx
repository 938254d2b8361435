// A feature's strongest contexts, each token tinted on the page's one scale; says why when there are none. Each has
// an anchor and a "link" button: `?example=N` (from 1) highlights it (example-permalink.tsx).
import { CopyExampleLink, LinkedExampleHighlight } from '@/components/feature/example-permalink';
import { TokenWindow } from '@/components/token-window';
import { exampleAnchor } from '@/lib/example-link';
import type { FeaturePageFeature } from '@/lib/feature-page-query';

export function TopActivations({
  examples,
  scale,
  neverFired,
  linkable = true,
}: {
  examples: FeaturePageFeature['topActivations'];
  /** The activation drawn at full tint. */
  scale: number;
  /** "Never fired on N analysed tokens.", or false when it fired. */
  neverFired: string | false;
  /** Anchors and link buttons (the feature page); off in the embed. */
  linkable?: boolean;
}) {
  return (
    <section>
      <h2>Top activations</h2>
      {examples.length ? (
        examples.map((e, i) =>
          linkable ? (
            <div key={i} id={exampleAnchor(i + 1)} className="example-anchor" data-example={i + 1}>
              <CopyExampleLink n={i + 1} />
              <TokenWindow example={e} scale={scale} />
            </div>
          ) : (
            <TokenWindow key={i} example={e} scale={scale} />
          ),
        )
      ) : (
        <p className="empty">{neverFired || 'No examples were stored for this feature.'}</p>
      )}
      {linkable && <LinkedExampleHighlight />}
    </section>
  );
}
