// A dictionary's page: training curves, density histogram, the 2-D map, the filtered and sorted feature table and
// the export form. 404 when the id is not a number or the api answers NOT_FOUND.
import Link from 'next/link';
import { HistogramChart } from '@/components/histogram-chart';
import { logDensityHistogram } from '@/lib/histogram';
import { notFound } from 'next/navigation';
import { ExportAction } from '@/components/export-action';
import { CurvesChart } from '@/components/curves-chart';
import { EvaluationSummary } from '@/components/evaluation-summary';
import { analysedTokens } from '@/components/dead-features';
import { FeatureMap } from '@/components/feature-map';
import { parsePercent } from '@/lib/feature-filter';
import { fmt, fmtDensity } from '@/lib/format';
import { graphql } from '@/lib/gql';
import { request } from '@/lib/graphql';
import { orNotFound } from '@/lib/not-found';
import type { FeatureOrder } from '@/lib/gql/graphql';
import { pagerLinks, type SearchParams } from '@/lib/pagination';

export const dynamic = 'force-dynamic';

const QUERY = graphql(`
  query DictionaryPage($id: ID!, $filter: FeatureFilter, $orderBy: FeatureOrder!, $after: String) {
    dictionary(id: $id) {
      id
      name
      modelName
      hookPoint
      architecture
      dIn
      nLatents
      k
      status
      curves {
        tokens
        loss
        l0
        fvu
        deadFraction
      }
      metrics {
        l0
        fvu
        deadFraction
        ceLossRecovered
        trainingSeed
      }
      analysis {
        tokens
        mapMethod
        neverFired
      }
      evaluations {
        kind
        metric
        subject
        value
      }
    }
    featureMap(dictionaryId: $id, filter: $filter) {
      indices
      x
      y
      density
      labels
      matches
    }
    features(dictionaryId: $id, filter: $filter, orderBy: $orderBy, first: 50, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          index
          label
          unlabelledReason
          density
          maxActivation
        }
      }
    }
  }
`);

/** Drawing width of full-width server charts: the page's content width, so their text keeps its size. */
const FULL_WIDTH = 1060;

/** The filter's conditions as a person typed them. */
function describeFilter(search: SearchParams): string {
  const parts = [
    search.text && `label or explanation “${search.text}”`,
    search.pos && `POS tag “${search.pos}”`,
    search.dmin && `density ≥ ${search.dmin}%`,
    search.dmax && `density ≤ ${search.dmax}%`,
  ].filter(Boolean);
  return parts.join(' and ');
}

const ORDERS = ['INDEX', 'DENSITY_DESC', 'DENSITY_ASC', 'MAX_ACTIVATION_DESC', 'BEST_HELD_OUT_F1_DESC'];

export default async function DictionaryPage({
  params,
  searchParams,
}: {
  params: Promise<{ dictionaryId: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { dictionaryId } = await params;
  const search = await searchParams;
  if (!/^\d+$/.test(dictionaryId)) notFound();
  const densityMin = parsePercent('density ≥ %', search.dmin);
  const densityMax = parsePercent('density ≤ %', search.dmax);
  const filterErrors = [densityMin.error, densityMax.error].filter((e) => e !== undefined);
  // A filter with a bad field lists nothing: the table would otherwise show features the person meant to exclude.
  const filter = filterErrors.length
    ? {}
    : {
        ...(search.text && { text: search.text }),
        ...(search.pos && { posTag: search.pos }),
        ...(densityMin.fraction !== undefined && { densityMin: densityMin.fraction }),
        ...(densityMax.fraction !== undefined && { densityMax: densityMax.fraction }),
      };
  const filtered = Object.keys(filter).length > 0;
  const orderBy = (ORDERS.includes(search.order ?? '') ? search.order : 'INDEX') as FeatureOrder;
  const data = await orNotFound(request(QUERY, { id: dictionaryId, filter, orderBy, after: search.after ?? null }));
  const d = data.dictionary;
  if (!d) notFound();
  const pager = filterErrors.length ? {} : pagerLinks(`/d/${d.id}`, search, data.features.pageInfo);
  const densityHistogram = logDensityHistogram(data.featureMap.density);
  return (
    <>
      <p className="muted">
        <Link href="/">Dictionaries</Link> /
      </p>
      <h1>{d.name}</h1>
      <div className="stats">
        <span>
          <code>{d.hookPoint}</code>
        </span>
        <span>
          {d.architecture}
          {d.k ? ` k=${d.k}` : ''}
          {d.metrics.trainingSeed != null ? ` seed ${d.metrics.trainingSeed}` : ''}
        </span>
        <span>
          d_in <b>{d.dIn}</b>
        </span>
        <span>
          latents <b>{d.nLatents.toLocaleString('en')}</b>
        </span>
        <span>
          L0 <b>{fmt(d.metrics.l0, 1)}</b>
        </span>
        <span>
          FVU <b>{fmt(d.metrics.fvu)}</b>
        </span>
        <span>
          dead in training <b>{fmt(d.metrics.deadFraction)}</b>
        </span>
        {d.analysis && (
          <span data-testid="never-fired-count">
            never fired on {analysedTokens(d.analysis.tokens)} <b>{d.analysis.neverFired.toLocaleString('en')}</b>
          </span>
        )}
        <span>
          CE loss recovered <b>{fmt(d.metrics.ceLossRecovered)}</b>
        </span>
        <span>{d.status}</span>
      </div>
      <EvaluationSummary dictionaryId={d.id} modelName={d.modelName} evaluations={d.evaluations} />
      {d.curves && (
        <section>
          <h2>Training</h2>
          <CurvesChart curves={d.curves} />
        </section>
      )}
      {data.featureMap.indices.length > 0 && (
        <section data-testid="density-histogram">
          <h2>Feature density</h2>
          <HistogramChart
            {...densityHistogram}
            xName="fraction of tokens a feature fires on (log bins)"
            width={FULL_WIDTH}
          />
          <p className="muted">
            {densityHistogram.dead.toLocaleString('en')} of {data.featureMap.indices.length.toLocaleString('en')}{' '}
            features never fired on {analysedTokens(d.analysis?.tokens)}.
          </p>
        </section>
      )}
      <section>
        <h2>Map of decoder directions</h2>
        {data.featureMap.indices.length ? (
          <FeatureMap dictionaryId={d.id} data={data.featureMap} mapMethod={d.analysis?.mapMethod} />
        ) : (
          <p className="empty">No map yet: the analysis has not run on this dictionary.</p>
        )}
      </section>
      <section>
        <h2>Features{filterErrors.length ? '' : ` (${data.features.totalCount.toLocaleString('en')})`}</h2>
        <form className="filters" method="get">
          <label>
            label or explanation
            <input name="text" defaultValue={search.text} placeholder="e.g. verb" />
          </label>
          <label title="A Brown tag or its name, any case: VBD, past tense, noun">
            part of speech
            <input name="pos" defaultValue={search.pos} placeholder="e.g. VBD or past tense" size={16} />
          </label>
          <label>
            density ≥ %
            <input
              name="dmin"
              defaultValue={search.dmin}
              size={5}
              inputMode="decimal"
              aria-invalid={densityMin.error ? true : undefined}
            />
          </label>
          <label>
            density ≤ %
            <input
              name="dmax"
              defaultValue={search.dmax}
              size={5}
              inputMode="decimal"
              aria-invalid={densityMax.error ? true : undefined}
            />
          </label>
          <label>
            sort
            <select name="order" defaultValue={orderBy}>
              <option value="INDEX">index</option>
              <option value="DENSITY_DESC">density ↓</option>
              <option value="DENSITY_ASC">density ↑</option>
              <option value="MAX_ACTIVATION_DESC">max activation ↓</option>
              <option value="BEST_HELD_OUT_F1_DESC">held-out label F1 ↓</option>
            </select>
          </label>
          <button type="submit">Apply</button>
        </form>
        {filterErrors.length ? (
          <div className="error" role="alert" data-testid="filter-error">
            {filterErrors.map((e) => (
              <p key={e}>{e}</p>
            ))}
          </div>
        ) : data.features.totalCount === 0 ? (
          <p className="empty" data-testid="no-matches">
            {filtered ? (
              <>
                No feature matches {describeFilter(search)}. Widen it: remove a condition, loosen a density bound, or{' '}
                <Link href={`/d/${d.id}`}>clear all filters</Link>.
              </>
            ) : (
              <>No features yet: the analysis has not run on this dictionary.</>
            )}
          </p>
        ) : (
          <table data-testid="feature-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Label</th>
                <th>Density</th>
                <th>Max act.</th>
              </tr>
            </thead>
            <tbody>
              {data.features.edges.map(({ node: f }) => (
                <tr key={f.index}>
                  <td>
                    <Link href={`/d/${d.id}/f/${f.index}`}>{f.index}</Link>
                  </td>
                  <td>{f.label ?? <span className="muted">{f.unlabelledReason ?? 'unlabelled'}</span>}</td>
                  <td>{fmtDensity(f.density)}</td>
                  <td>{fmt(f.maxActivation, 2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav className="pager">
          {pager.first && <Link href={pager.first}>First page</Link>}
          {pager.next && <Link href={pager.next}>Next page →</Link>}
        </nav>
      </section>
      <section>
        <h2>Export</h2>
        <p className="muted">Writes the weights, features and examples to a folder on the server, as a job.</p>
        <ExportAction dictionaryId={d.id} defaultOut={`exports/${d.name}`} />
      </section>
    </>
  );
}
