// A feature's page: its sections (components/feature/) composed from the one operation FEATURE_PAGE. 404 when the
// address is not numbers, the api answers NOT_FOUND (no such dictionary) or the dictionary has no such feature.
import { print } from 'graphql';
import { notFound } from 'next/navigation';
import { analysedTokens } from '@/components/dead-features';
import { ExplanationEditor } from '@/components/explanation-editor';
import { ActivationHistogram } from '@/components/feature/activation-histogram';
import { AppearsInGraphs } from '@/components/feature/appears-in-graphs';
import { FeatureFamily } from '@/components/feature/feature-family';
import { FeatureHeader } from '@/components/feature/feature-header';
import { HeldOutLabelScores } from '@/components/feature/held-out-label-scores';
import { LabelAssociations } from '@/components/feature/label-associations';
import { LogitEffects } from '@/components/feature/logit-effects';
import { NearestFeatures } from '@/components/feature/nearest-features';
import { QuantileExamples } from '@/components/feature/quantile-examples';
import { SteerPanel } from '@/components/feature/steer-panel';
import { TopActivations } from '@/components/feature/top-activations';
import { apiUrl } from '@/lib/config';
import { FEATURE_PAGE } from '@/lib/feature-page-query';
import { request } from '@/lib/graphql';
import { orNotFound } from '@/lib/not-found';

export const dynamic = 'force-dynamic';

export default async function FeaturePage({ params }: { params: Promise<{ dictionaryId: string; index: string }> }) {
  const { dictionaryId, index } = await params;
  if (!/^\d+$/.test(dictionaryId) || !/^\d+$/.test(index)) notFound();
  const { dictionary: d, feature: f } = await orNotFound(request(FEATURE_PAGE, { d: dictionaryId, i: Number(index) }));
  if (!d || !f) notFound();
  const scale = f.maxActivation ?? Math.max(0, ...f.topActivations.map((e) => e.maxActivation));
  // An empty histogram would draw bare axes: say instead what the analysis saw.
  const neverFired = f.density === 0 && `Never fired on ${analysedTokens(d.analysis?.tokens)}.`;
  const jsonLink = `${apiUrl()}?query=${encodeURIComponent(print(FEATURE_PAGE))}&variables=${encodeURIComponent(JSON.stringify({ d: dictionaryId, i: f.index }))}`;
  return (
    <>
      <FeatureHeader dictionary={d} feature={f} jsonLink={jsonLink} />
      <div className="grid2">
        <ActivationHistogram histogram={f.histogram} neverFired={neverFired} />
        <section>
          <LogitEffects logits={f.logits} />
          <LabelAssociations scores={f.labelAssociations} />
          <HeldOutLabelScores scores={f.heldOutLabelScores} />
        </section>
      </div>
      {d.canAnalyzeText ? (
        <SteerPanel dictionaryId={d.id} index={f.index} maxActivation={f.maxActivation ?? null} />
      ) : (
        <p className="muted" data-testid="steer-unavailable">
          Steering needs the dictionary&apos;s weights on this server; this one has none here.
        </p>
      )}
      <TopActivations examples={f.topActivations} scale={scale} neverFired={neverFired} />
      <QuantileExamples bins={f.quantileExamples} scale={scale} />
      <div className="grid2">
        <NearestFeatures dictionaryId={d.id} neighbors={f.neighbors} />
        <FeatureFamily family={f.family} />
      </div>
      <AppearsInGraphs graphs={f.graphs} />
      <section>
        <h2>Explanations</h2>
        <ExplanationEditor dictionaryId={d.id} index={f.index} initial={f.explanations} />
      </section>
    </>
  );
}
