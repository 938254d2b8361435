// The top of a feature page: where it sits (dictionary), its label with its F1, its activation figures, the hook
// point, previous/next and a link to the page's data as JSON.
import Link from 'next/link';
import { fmt, fmtDensity } from '@/lib/format';
import type { FeaturePageDictionary, FeaturePageFeature } from '@/lib/feature-page-query';

export function FeatureHeader({
  dictionary: d,
  feature: f,
  jsonLink,
}: {
  dictionary: FeaturePageDictionary;
  feature: FeaturePageFeature;
  /** The page's operation as a GET on the api. */
  jsonLink: string;
}) {
  return (
    <>
      <p className="muted">
        <Link href="/">Dictionaries</Link> / <Link href={`/d/${d.id}`}>{d.name}</Link> / feature {f.index}
      </p>
      <h1 data-testid="feature-title">
        #{f.index} {f.label ?? <span className="muted">{f.unlabelledReason ?? 'unlabelled'}</span>}
        {f.labelScore != null && <small className="muted"> · F1 {fmt(f.labelScore, 2)}</small>}
      </h1>
      <div className="stats">
        <span>
          density <b>{fmtDensity(f.density)}</b>
        </span>
        <span>
          mean act. <b>{fmt(f.meanActivation, 2)}</b>
        </span>
        <span>
          max act. <b>{fmt(f.maxActivation, 2)}</b>
        </span>
        <span>
          <code>{d.hookPoint}</code>
        </span>
        <span>
          {f.index > 0 && <Link href={`/d/${d.id}/f/${f.index - 1}`}>← prev</Link>}{' '}
          {f.index < d.nLatents - 1 && <Link href={`/d/${d.id}/f/${f.index + 1}`}>next →</Link>}
        </span>
        <span>
          <a href={jsonLink}>JSON</a>
        </span>
      </div>
    </>
  );
}
