// Contexts sampled from each activation quantile, weak to strong, so a reader sees more than the peak; hidden when
// the analysis stored none.
import { TokenWindow } from '@/components/token-window';
import type { FeaturePageFeature } from '@/lib/feature-page-query';

export function QuantileExamples({
  bins,
  scale,
}: {
  bins: FeaturePageFeature['quantileExamples'];
  /** The activation drawn at full tint (the same as the top activations'). */
  scale: number;
}) {
  return (
    <section hidden={bins.length === 0}>
      <h2>Activation quantiles (weak to strong)</h2>
      {bins.map((b) => (
        <div key={b.bin}>
          <div className="muted" style={{ fontSize: '0.8rem' }}>
            bin {b.bin + 1}
          </div>
          {b.examples.map((e, i) => (
            <TokenWindow key={i} example={e} scale={scale} />
          ))}
        </div>
      ))}
    </section>
  );
}
