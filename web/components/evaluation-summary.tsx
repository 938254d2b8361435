// A dictionary's evaluation headline numbers on its page, with the way to its model's comparison; or how to get them.
import Link from 'next/link';
import { metricValue, type EvaluationValue } from '@/lib/evaluations';
import { fmt } from '@/lib/format';

/** The numbers shown, in order: [metric, what a person calls it, digits]. */
const HEADLINES: [string, string, number][] = [
  ['l0', 'L0', 1],
  ['fvu', 'FVU', 3],
  ['ce_loss_score', 'CE loss recovered', 3],
  ['pos.sae_top_1_test_accuracy', 'POS probe k=1', 3],
  ['genre.sae_top_1_test_accuracy', 'genre probe k=1', 3],
  ['mean_absorption_fraction', 'absorption', 3],
  ['mean_f1', 'label F1 (held out)', 3],
];

export function EvaluationSummary({
  dictionaryId,
  modelName,
  evaluations,
}: {
  dictionaryId: string;
  modelName: string | null | undefined;
  evaluations: EvaluationValue[];
}) {
  const compare = modelName ? (
    <Link href={`/compare?model=${encodeURIComponent(modelName)}`} data-testid="compare-link">
      Compare with the other dictionaries of {modelName}
    </Link>
  ) : null;
  if (!evaluations.length)
    return (
      <section data-testid="evaluation-summary">
        <h2>Evaluations</h2>
        <p className="empty">
          Not evaluated yet. Run <code>npm run worker -- evaluate --dictionary {dictionaryId}</code> to measure
          reconstruction, sparse probing, absorption and label scores on held-out text. {compare}
        </p>
      </section>
    );
  const shown = HEADLINES.flatMap(([metric, name, digits]) => {
    const value = metricValue(evaluations, metric);
    return value === undefined ? [] : [{ metric, name, text: fmt(value, digits) }];
  });
  return (
    <section data-testid="evaluation-summary">
      <h2>Evaluations</h2>
      <div className="stats">
        {shown.map((s) => (
          <span key={s.metric} data-metric={s.metric}>
            {s.name} <b>{s.text}</b>
          </span>
        ))}
      </div>
      <p className="muted">
        Measured on held-out text ({evaluations.length} numbers). {compare}
      </p>
    </section>
  );
}
