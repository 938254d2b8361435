// Comparing a model's dictionaries (issue 17): every dictionary of the model as a row with its evaluation numbers,
// Pareto plots of sparsity against quality, and sparse-probing and absorption tables per class.
import Link from 'next/link';
import { ParetoChart } from '@/components/pareto-chart';
import { classesOf, metricValue, type EvaluationValue, type TradeOffPoint } from '@/lib/evaluations';
import { fmt } from '@/lib/format';
import { graphql } from '@/lib/gql';
import { request } from '@/lib/graphql';

export const dynamic = 'force-dynamic';

const MODELS = graphql(`
  query CompareModels {
    dictionaries {
      id
      modelName
    }
  }
`);

const COMPARE = graphql(`
  query CompareDictionaries($ids: [ID!]!) {
    compareDictionaries(ids: $ids) {
      mixedModels
      dictionaries {
        id
        name
        hookPoint
        architecture
        nLatents
        k
        evaluations {
          kind
          metric
          subject
          value
          corpusSlice
        }
      }
    }
  }
`);

/** Most dictionaries compared at once (the api's cap). */
const MAX_COMPARED = 50;

/** Sparse-probing tasks: part of speech per token, genre per document. */
const PROBING_TASKS = [
  { task: 'pos', title: 'Part of speech' },
  { task: 'genre', title: 'Genre' },
];
const ABSORPTION = 'mean_absorption_fraction';

interface Compared {
  id: string;
  name: string;
  evaluations: EvaluationValue[];
}

/** A trade-off plot's points: dictionaries with both their held-out L0 and `metric`. */
function tradeOff(dictionaries: readonly Compared[], metric: string): TradeOffPoint[] {
  return dictionaries.flatMap((d) => {
    const x = metricValue(d.evaluations, 'l0');
    const y = metricValue(d.evaluations, metric);
    return x === undefined || y === undefined ? [] : [{ id: d.id, name: d.name, x, y }];
  });
}

/** A per-class table: a row per class, a column per dictionary, cells the number of `metric` for that class. */
function PerClassTable({
  dictionaries,
  metric,
  testId,
}: {
  dictionaries: readonly Compared[];
  metric: string;
  testId: string;
}) {
  const classes = classesOf(dictionaries, metric);
  if (!classes.length) return <p className="empty">No per-class numbers of {metric} yet.</p>;
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th>class</th>
          {dictionaries.map((d) => (
            <th key={d.id}>{d.name}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {[null, ...classes].map((c) => (
          <tr key={c ?? ''}>
            <td>{c ?? <b>all (mean)</b>}</td>
            {dictionaries.map((d) => (
              <td key={d.id}>{fmt(metricValue(d.evaluations, metric, c))}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default async function ComparePage({ searchParams }: { searchParams: Promise<{ model?: string }> }) {
  const { model: asked } = await searchParams;
  const { dictionaries: all } = await request(MODELS, {});
  const models = [...new Set(all.flatMap((d) => (d.modelName ? [d.modelName] : [])))].sort();
  const model = asked ?? (models.length === 1 ? models[0] : undefined);
  if (!model)
    return (
      <>
        <h1>Compare dictionaries</h1>
        {models.length ? (
          <>
            <p>Pick a model: its dictionaries are compared on the numbers their evaluations measured.</p>
            <ul data-testid="compare-models">
              {models.map((m) => (
                <li key={m}>
                  <Link href={`/compare?model=${encodeURIComponent(m)}`}>{m}</Link>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="empty">No dictionary belongs to a known model yet.</p>
        )}
      </>
    );
  const ids = all.filter((d) => d.modelName === model).map((d) => d.id);
  if (!ids.length)
    return (
      <>
        <h1>Compare dictionaries of {model}</h1>
        <p className="empty" data-testid="compare-empty">
          No dictionary of a model called “{model}”. <Link href="/compare">Pick a model</Link>.
        </p>
      </>
    );
  const { compareDictionaries } = await request(COMPARE, { ids: ids.slice(0, MAX_COMPARED) });
  const dictionaries = compareDictionaries.dictionaries;
  const evaluated = dictionaries.filter((d) => d.evaluations.length > 0);
  const slice = evaluated[0]?.evaluations[0]?.corpusSlice;
  return (
    <>
      <p className="muted">
        <Link href="/">Dictionaries</Link> / <Link href="/compare">compare</Link> /
      </p>
      <h1>Compare dictionaries of {model}</h1>
      {ids.length > MAX_COMPARED && (
        <p className="muted">
          The first {MAX_COMPARED} of its {ids.length} dictionaries.
        </p>
      )}
      {!evaluated.length && (
        <p className="empty" data-testid="no-evaluations">
          No evaluations yet. Evaluate a dictionary with <code>npm run worker -- evaluate --dictionary &lt;id&gt;</code>
          ; its numbers then appear here.
        </p>
      )}
      {slice && <p className="muted">Measured on held-out text: {slice}.</p>}
      <table data-testid="compare-table">
        <thead>
          <tr>
            <th>Dictionary</th>
            <th>Hook point</th>
            <th>Architecture</th>
            <th>Latents</th>
            <th>L0</th>
            <th>FVU</th>
            <th>CE loss rec.</th>
            <th>Dead</th>
            <th>POS probe k=1</th>
            <th>Genre probe k=1</th>
            <th>Absorption</th>
            <th>Label F1</th>
          </tr>
        </thead>
        <tbody>
          {dictionaries.map((d) => {
            const v = (metric: string) => metricValue(d.evaluations, metric);
            return (
              <tr key={d.id}>
                <td>
                  <Link href={`/d/${d.id}`}>{d.name}</Link>
                </td>
                <td>
                  <code>{d.hookPoint}</code>
                </td>
                <td>
                  {d.architecture}
                  {d.k ? ` k=${d.k}` : ''}
                </td>
                <td>{d.nLatents.toLocaleString('en')}</td>
                <td>{fmt(v('l0'), 1)}</td>
                <td>{fmt(v('fvu'))}</td>
                <td>{fmt(v('ce_loss_score'))}</td>
                <td>{fmt(v('dead_fraction'))}</td>
                <td>{fmt(v('pos.sae_top_1_test_accuracy'))}</td>
                <td>{fmt(v('genre.sae_top_1_test_accuracy'))}</td>
                <td>{fmt(v(ABSORPTION))}</td>
                <td>{fmt(v('mean_f1'))}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {evaluated.length > 0 && (
        <>
          <section>
            <h2>Sparsity against quality</h2>
            <p className="muted">
              A point per dictionary, at its held-out L0 (fewer active latents per token is sparser); the dashed line
              joins the Pareto frontier, the dictionaries no other beats on both axes. Click a point to open it.
            </p>
            <div className="grid2">
              <ParetoChart
                title="L0 vs FVU"
                yName="FVU"
                yBetter="lower"
                points={tradeOff(dictionaries, 'fvu')}
                testId="pareto-fvu"
              />
              <ParetoChart
                title="L0 vs CE loss recovered"
                yName="CE loss recovered"
                yBetter="higher"
                points={tradeOff(dictionaries, 'ce_loss_score')}
                testId="pareto-ce"
              />
              {PROBING_TASKS.map(({ task, title }) => (
                <ParetoChart
                  key={task}
                  title={`L0 vs ${title.toLowerCase()} probing accuracy (k=1)`}
                  yName="test accuracy"
                  yBetter="higher"
                  points={tradeOff(dictionaries, `${task}.sae_top_1_test_accuracy`)}
                  testId={`pareto-${task}-probing`}
                />
              ))}
            </div>
          </section>
          {PROBING_TASKS.map(({ task, title }) => (
            <section key={task}>
              <h2>Sparse probing per class: {title.toLowerCase()} (k=1 test accuracy)</h2>
              <PerClassTable
                dictionaries={dictionaries}
                metric={`${task}.sae_top_1_test_accuracy`}
                testId={`probing-${task}-table`}
              />
            </section>
          ))}
          <section>
            <h2>Feature absorption per part of speech (mean absorption fraction; lower is better)</h2>
            <PerClassTable dictionaries={dictionaries} metric={ABSORPTION} testId="absorption-table" />
          </section>
        </>
      )}
    </>
  );
}
