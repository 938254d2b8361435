// The home page's table of dictionaries: model, hook point, width, L0, FVU, dead features, CE loss recovered, the
// FVU curve, status and latest job.
import { CurveSparkline } from '@/components/curve-sparkline';
import { DeadFeatures, type DeadFigures } from '@/components/dead-features';
import { fmt } from '@/lib/format';
import { formatFraction } from '@/lib/progress';

export interface DictionaryRow {
  id: string;
  name: string;
  modelName?: string | null;
  hookPoint: string;
  architecture: string;
  nLatents: number;
  status: string;
  metrics: {
    l0?: number | null;
    fvu?: number | null;
    deadFraction?: number | null;
    ceLossRecovered?: number | null;
  };
  analysis?: DeadFigures['analysis'];
  curves?: { tokens: number[]; fvu: number[] } | null;
  latestJob?: { id: string; type: string; state: string; progress: { fraction: number } } | null;
}

/** Every dictionary with its headline figures. */
export function DictionaryTable({ dictionaries }: { dictionaries: DictionaryRow[] }) {
  if (dictionaries.length === 0)
    return (
      <p className="empty" data-testid="no-dictionaries">
        No dictionaries yet. Train one with <code>npm run worker -- train</code> or import a SAELens folder.
      </p>
    );
  return (
    <table data-testid="dictionaries">
      <thead>
        <tr>
          <th>Name</th>
          <th>Model</th>
          <th>Hook point</th>
          <th>Architecture</th>
          <th>Latents</th>
          <th>L0</th>
          <th>FVU</th>
          <th>Dead features</th>
          <th>CE rec.</th>
          <th>FVU curve</th>
          <th>Status</th>
          <th>Latest job</th>
        </tr>
      </thead>
      <tbody>
        {dictionaries.map((d) => (
          <tr key={d.id}>
            <td>
              <a href={`/d/${d.id}`}>{d.name}</a>
            </td>
            <td>
              {d.modelName ? (
                <a href={`/compare?model=${encodeURIComponent(d.modelName)}`} title="compare this model's dictionaries">
                  {d.modelName}
                </a>
              ) : (
                '—'
              )}
            </td>
            <td>
              <code>{d.hookPoint}</code>
            </td>
            <td>{d.architecture}</td>
            <td>{d.nLatents.toLocaleString('en')}</td>
            <td>{fmt(d.metrics.l0, 1)}</td>
            <td>{fmt(d.metrics.fvu)}</td>
            <td>
              <DeadFeatures nLatents={d.nLatents} deadFraction={d.metrics.deadFraction} analysis={d.analysis} />
            </td>
            <td>{fmt(d.metrics.ceLossRecovered)}</td>
            <td>{d.curves ? <CurveSparkline tokens={d.curves.tokens} values={d.curves.fvu} name="FVU" /> : '—'}</td>
            <td>{d.status}</td>
            <td>
              {d.latestJob ? (
                <a href={`/jobs/${d.latestJob.id}`}>
                  {d.latestJob.type} {d.latestJob.state}
                  {d.latestJob.state === 'running' ? ` ${formatFraction(d.latestJob.progress.fraction)}` : ''}
                </a>
              ) : (
                '—'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
