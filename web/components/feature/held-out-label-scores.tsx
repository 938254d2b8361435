// The feature's auto-labels scored as detectors on held-out tokens (issue 17): does it fire where the label holds?
import { fmt } from '@/lib/format';
import { displayToken } from '@/lib/tint';
import type { FeaturePageFeature } from '@/lib/feature-page-query';

export function HeldOutLabelScores({ scores }: { scores: FeaturePageFeature['heldOutLabelScores'] }) {
  return (
    <section data-testid="held-out-label-scores">
      <h2 style={{ marginTop: '1rem' }}>Label scores on held-out text</h2>
      {scores.length ? (
        <table>
          <thead>
            <tr>
              <th>label</th>
              <th>precision</th>
              <th>recall</th>
              <th>F1</th>
              <th>ROC-AUC</th>
            </tr>
          </thead>
          <tbody>
            {scores.map((s) => (
              <tr key={`${s.labelKind}:${s.label}`}>
                <td>{s.labelKind === 'token' ? `“${displayToken(s.label)}” (token)` : s.name}</td>
                <td>{fmt(s.precision, 2)}</td>
                <td>{fmt(s.recall, 2)}</td>
                <td>{fmt(s.f1, 2)}</td>
                <td>{fmt(s.rocAuc, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="empty">
          Not scored yet: <code>npm run worker -- evaluate --dictionary &lt;id&gt;</code> scores each label as a
          detector on held-out tokens.
        </p>
      )}
    </section>
  );
}
