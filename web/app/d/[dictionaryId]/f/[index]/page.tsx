import Link from 'next/link';
import { print } from 'graphql';
import { notFound } from 'next/navigation';
import { ExplanationEditor } from '@/components/explanation-editor';
import { analysedTokens } from '@/components/dead-features';
import { HistogramChart } from '@/components/histogram-chart';
import { TokenWindow } from '@/components/token-window';
import { fmt, fmtDensity } from '@/lib/format';
import { apiUrl } from '@/lib/config';
import { graphql } from '@/lib/gql';
import { request } from '@/lib/graphql';
import { orNotFound } from '@/lib/not-found';

export const dynamic = 'force-dynamic';

const QUERY = graphql(`
  query FeaturePage($d: ID!, $i: Int!) {
    dictionary(id: $d) {
      id
      name
      hookPoint
      nLatents
      analysis {
        tokens
      }
    }
    feature(dictionaryId: $d, index: $i) {
      id
      index
      label
      labelScore
      unlabelledReason
      labelAssociations(first: 5) {
        name
        precision
        recall
        f1
      }
      density
      meanActivation
      maxActivation
      histogram {
        edges
        counts
      }
      logits {
        positive {
          token
          value
        }
        negative {
          token
          value
        }
      }
      topActivations(first: 20) {
        tokens
        activations
        maxActivation
        maxPosition
        docIndex
        tokenStart
      }
      quantileExamples(perBin: 2) {
        bin
        examples {
          tokens
          activations
          maxActivation
          maxPosition
          docIndex
          tokenStart
        }
      }
      neighbors(k: 10) {
        cosine
        feature {
          index
          label
        }
      }
      family {
        cosine
        feature {
          dictionaryId
          index
          label
        }
      }
      explanations {
        text
        source
        author
        score
      }
    }
  }
`);

export default async function FeaturePage({ params }: { params: Promise<{ dictionaryId: string; index: string }> }) {
  const { dictionaryId, index } = await params;
  if (!/^\d+$/.test(dictionaryId) || !/^\d+$/.test(index)) notFound();
  const data = await orNotFound(request(QUERY, { d: dictionaryId, i: Number(index) }));
  const { dictionary: d, feature: f } = data;
  if (!d || !f) notFound();
  const scores = f.labelAssociations;
  const scale = f.maxActivation ?? Math.max(0, ...f.topActivations.map((e) => e.maxActivation));
  // An empty histogram would draw bare axes: say instead what the analysis saw.
  const neverFired = f.density === 0 && `Never fired on ${analysedTokens(d.analysis?.tokens)}.`;
  const jsonLink = `${apiUrl()}?query=${encodeURIComponent(print(QUERY))}&variables=${encodeURIComponent(JSON.stringify({ d: dictionaryId, i: f.index }))}`;
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
      <div className="grid2">
        <section>
          <h2>Activation histogram</h2>
          {neverFired ? (
            <p className="empty" data-testid="never-fired">
              {neverFired} No activations to plot.
            </p>
          ) : f.histogram ? (
            <HistogramChart edges={f.histogram.edges} counts={f.histogram.counts} xName="activation (log bins)" />
          ) : (
            <p className="muted">none</p>
          )}
        </section>
        <section>
          <h2>Logit effects</h2>
          {f.logits ? (
            <div className="logits" data-testid="logits">
              <div>
                {f.logits.positive.map((l, i) => (
                  <div key={i} className="pos">
                    {JSON.stringify(l.token)} +{l.value.toFixed(2)}
                  </div>
                ))}
              </div>
              <div>
                {f.logits.negative.map((l, i) => (
                  <div key={i} className="neg">
                    {JSON.stringify(l.token)} {l.value.toFixed(2)}
                  </div>
                ))}
              </div>
            </div>
          ) : (
            <p className="muted">not computed for this hook point</p>
          )}
          {scores.length ? (
            <>
              <h2 style={{ marginTop: '1rem' }}>Label associations</h2>
              <table>
                <thead>
                  <tr>
                    <th>label</th>
                    <th>precision</th>
                    <th>recall</th>
                    <th>F1</th>
                  </tr>
                </thead>
                <tbody>
                  {scores.map((s, i) => (
                    <tr key={i}>
                      <td>{s.name}</td>
                      <td>{fmt(s.precision, 2)}</td>
                      <td>{fmt(s.recall, 2)}</td>
                      <td>{fmt(s.f1, 2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </section>
      </div>
      <section>
        <h2>Top activations</h2>
        {f.topActivations.length ? (
          f.topActivations.map((e, i) => <TokenWindow key={i} example={e} scale={scale} />)
        ) : (
          <p className="empty">{neverFired || 'No examples were stored for this feature.'}</p>
        )}
      </section>
      <section hidden={f.quantileExamples.length === 0}>
        <h2>Activation quantiles (weak to strong)</h2>
        {f.quantileExamples.map((b) => (
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
      <div className="grid2">
        <section>
          <h2>Nearest features (decoder cosine)</h2>
          {f.neighbors.map((n) => (
            <Link key={n.feature.index} className="pill" href={`/d/${d.id}/f/${n.feature.index}`}>
              #{n.feature.index} {n.feature.label ?? ''} · {n.cosine.toFixed(2)}
            </Link>
          ))}
        </section>
        <section>
          <h2>Family across widths</h2>
          {f.family.length ? (
            f.family.map((n) => (
              <Link
                key={`${n.feature.dictionaryId}:${n.feature.index}`}
                className="pill"
                href={`/d/${n.feature.dictionaryId}/f/${n.feature.index}`}
              >
                d{n.feature.dictionaryId} #{n.feature.index} {n.feature.label ?? ''} · {n.cosine.toFixed(2)}
              </Link>
            ))
          ) : (
            <p className="muted">No other width on this hook point.</p>
          )}
        </section>
      </div>
      <section>
        <h2>Explanations</h2>
        <ExplanationEditor dictionaryId={d.id} index={f.index} initial={f.explanations} />
      </section>
    </>
  );
}
