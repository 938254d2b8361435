// An embeddable feature card for papers and posts (`<iframe src=".../embed/d/1/f/42">`): label, explanation, top
// examples and logit effects, without the site's navigation (SiteHeader leaves /embed out). next.config.ts lets any
// site frame /embed/ addresses. Reads the feature page's own cached operation.
import { notFound } from 'next/navigation';
import { LogitEffects } from '@/components/feature/logit-effects';
import { TopActivations } from '@/components/feature/top-activations';
import { apiUrl } from '@/lib/config';
import { featurePageUrl } from '@/lib/feature-page-query';
import type { FeaturePageQuery } from '@/lib/gql/graphql';
import { getAnswer } from '@/lib/graphql';
import { fmt, fmtDensity } from '@/lib/format';
import { orNotFound } from '@/lib/not-found';

export const dynamic = 'force-dynamic';

/** Examples an embed shows: a card, not the page. */
const EMBED_EXAMPLES = 5;

export default async function EmbeddedFeature({
  params,
}: {
  params: Promise<{ dictionaryId: string; index: string }>;
}) {
  const { dictionaryId, index } = await params;
  if (!/^\d{1,10}$/.test(dictionaryId) || !/^\d{1,10}$/.test(index)) notFound();
  const { dictionary: d, feature: f } = await orNotFound(
    getAnswer<FeaturePageQuery>(featurePageUrl(apiUrl(), dictionaryId, Number(index))),
  );
  if (!d || !f) notFound();
  const examples = f.topActivations.slice(0, EMBED_EXAMPLES);
  const scale = f.maxActivation ?? Math.max(0, ...examples.map((e) => e.maxActivation));
  const explanation = f.explanations[0];
  return (
    <article className="embed-card" data-testid="embed-card">
      <h1>
        {/* Opens the full page outside the frame. */}
        <a href={`/d/${d.id}/f/${f.index}`} target="_blank" rel="noreferrer">
          {d.name} #{f.index}
        </a>{' '}
        {f.label ?? <span className="muted">{f.unlabelledReason ?? 'unlabelled'}</span>}
      </h1>
      <p className="muted">
        <code>{d.hookPoint}</code> · density {fmtDensity(f.density)} · max act. {fmt(f.maxActivation, 2)}
      </p>
      <p data-testid="embed-explanation">
        {explanation ? (
          <>
            {explanation.text} <span className="muted">— {explanation.author ?? explanation.source}</span>
          </>
        ) : (
          <span className="muted">No explanation yet.</span>
        )}
      </p>
      <TopActivations examples={examples} scale={scale} neverFired={false} linkable={false} />
      <LogitEffects logits={f.logits} />
    </article>
  );
}
