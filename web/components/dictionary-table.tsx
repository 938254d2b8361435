export interface DictionaryRow {
  id: string;
  name: string;
  hookPoint: string;
  architecture: string;
  nLatents: number;
  status: string;
  metrics: { l0: number | null; fvu: number | null; deadFraction: number | null };
}

function fmt(value: number | null, digits = 3): string {
  return value === null ? '—' : value.toFixed(digits);
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
          <th>Hook point</th>
          <th>Architecture</th>
          <th>Latents</th>
          <th>L0</th>
          <th>FVU</th>
          <th>Dead</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {dictionaries.map((d) => (
          <tr key={d.id}>
            <td>
              <a href={`/d/${d.id}`}>{d.name}</a>
            </td>
            <td>
              <code>{d.hookPoint}</code>
            </td>
            <td>{d.architecture}</td>
            <td>{d.nLatents.toLocaleString('en')}</td>
            <td>{fmt(d.metrics.l0, 1)}</td>
            <td>{fmt(d.metrics.fvu)}</td>
            <td>{fmt(d.metrics.deadFraction)}</td>
            <td>{d.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
