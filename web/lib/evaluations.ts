// Reading a dictionary's evaluation rows for the comparison page and the dictionary page: one number by metric and
// class, the per-class tables, and the Pareto frontier of a trade-off (sparsity against quality).

/** An evaluation row as the pages ask for it. */
export interface EvaluationValue {
  kind: string;
  metric: string;
  subject?: string | null;
  value: number;
}

/** The number of `metric` (for class `subject`; the aggregate when null), or undefined when not measured. */
export function metricValue(
  rows: readonly EvaluationValue[],
  metric: string,
  subject: string | null = null,
): number | undefined {
  return rows.find((r) => r.metric === metric && (r.subject ?? null) === subject)?.value;
}

/** The classes some dictionary has a per-class row of `metric` for, sorted. */
export function classesOf(
  dictionaries: readonly { evaluations: readonly EvaluationValue[] }[],
  metric: string,
): string[] {
  const classes = new Set<string>();
  for (const d of dictionaries)
    for (const r of d.evaluations) if (r.metric === metric && r.subject != null) classes.add(r.subject);
  return [...classes].sort();
}

/** A dictionary placed on a trade-off plot. */
export interface TradeOffPoint {
  id: string;
  name: string;
  /** L0: mean active latents per token (fewer is sparser, better). */
  x: number;
  y: number;
}

/**
 * The points no other point beats on both axes (lower x is better; `yBetter` says which way y is), by x. A point
 * equal to another on both axes is kept once (the first given).
 */
export function paretoFrontier(points: readonly TradeOffPoint[], yBetter: 'lower' | 'higher'): TradeOffPoint[] {
  const sign = yBetter === 'lower' ? 1 : -1;
  const sorted = [...points].sort((a, b) => a.x - b.x || sign * (a.y - b.y));
  const frontier: TradeOffPoint[] = [];
  for (const p of sorted) {
    const last = frontier.at(-1);
    if (!last || sign * (p.y - last.y) < 0) frontier.push(p);
  }
  return frontier;
}
