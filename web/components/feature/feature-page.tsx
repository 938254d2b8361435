// A feature's page: its sections composed from the one operation FEATURE_PAGE, fetched by GET (featurePageUrl). 404
// when the address is not numbers, the api answers NOT_FOUND (no such dictionary) or the dictionary has no such
// feature. Rendered by the public route per request (its fallback) and by the versioned route once per version.
import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { analysedTokens } from '@/components/dead-features';
import { ExplanationEditor } from '@/components/explanation-editor';
import { ActivationHistogram } from '@/components/feature/activation-histogram';
import { AddToList } from '@/components/feature/add-to-list';
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
import { featurePageUrl } from '@/lib/feature-page-query';
import type { FeaturePageQuery } from '@/lib/gql/graphql';
import { getAnswer } from '@/lib/graphql';
import { orNotFound } from '@/lib/not-found';

/** The page of feature `index` of dictionary `dictionaryId`, as the route's params spell them. */
export async function featurePage(dictionaryId: string, index: string): Promise<ReactNode> {
  if (!/^\d+$/.test(dictionaryId) || !/^\d+$/.test(index)) notFound();
  const url = featurePageUrl(apiUrl(), dictionaryId, Number(index));
  const { dictionary: d, feature: f } = await orNotFound(getAnswer<FeaturePageQuery>(url));
  if (!d || !f) notFound();
  const scale = f.maxActivation ?? Math.max(0, ...f.topActivations.map((e) => e.maxActivation));
  // An empty histogram would draw bare axes: say instead what the analysis saw.
  const neverFired = f.density === 0 && `Never fired on ${analysedTokens(d.analysis?.tokens)}.`;
  return (
    <>
      <FeatureHeader dictionary={d} feature={f} jsonLink={url} />
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
      <section>
        <h2>Lists</h2>
        <AddToList dictionaryId={d.id} index={f.index} />
      </section>
    </>
  );
}
