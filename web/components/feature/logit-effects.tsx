// The tokens a feature's decoder direction pushes up (positive) and down (negative) through the unembedding.
import type { FeaturePageFeature } from '@/lib/feature-page-query';

export function LogitEffects({ logits }: { logits: FeaturePageFeature['logits'] }) {
  return (
    <>
      <h2>Logit effects</h2>
      {logits ? (
        <div className="logits" data-testid="logits">
          <div>
            {logits.positive.map((l, i) => (
              <div key={i} className="pos">
                {JSON.stringify(l.token)} +{l.value.toFixed(2)}
              </div>
            ))}
          </div>
          <div>
            {logits.negative.map((l, i) => (
              <div key={i} className="neg">
                {JSON.stringify(l.token)} {l.value.toFixed(2)}
              </div>
            ))}
          </div>
        </div>
      ) : (
        <p className="muted">not computed for this hook point</p>
      )}
    </>
  );
}
