// How well firing predicts each token label (a part-of-speech tag, a genre): precision, recall, F1, best first.
import { fmt } from '@/lib/format';
import type { FeaturePageFeature } from '@/lib/feature-page-query';

/** Nothing when no label was scored for this feature. */
export function LabelAssociations({ scores }: { scores: FeaturePageFeature['labelAssociations'] }) {
  if (!scores.length) return null;
  return (
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
  );
}
