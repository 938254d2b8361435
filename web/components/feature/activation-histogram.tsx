// A feature's activation histogram (log bins); a feature that never fired says so instead of drawing bare axes.
import { HistogramChart } from '@/components/histogram-chart';
import type { FeaturePageFeature } from '@/lib/feature-page-query';

export function ActivationHistogram({
  histogram,
  neverFired,
}: {
  histogram: FeaturePageFeature['histogram'];
  /** "Never fired on N analysed tokens.", or false when it fired. */
  neverFired: string | false;
}) {
  return (
    <section>
      <h2>Activation histogram</h2>
      {neverFired ? (
        <p className="empty" data-testid="never-fired">
          {neverFired} No activations to plot.
        </p>
      ) : histogram ? (
        <HistogramChart edges={histogram.edges} counts={histogram.counts} xName="activation (log bins)" />
      ) : (
        <p className="muted">none</p>
      )}
    </section>
  );
}
