/** Numbers in tables: fixed digits, an em dash for missing values. */
export function fmt(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

/** Densities as percentages with enough digits for rare features. */
export function fmtDensity(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value === 0) return '0%';
  const pct = value * 100;
  return `${pct >= 1 ? pct.toFixed(1) : pct.toPrecision(2)}%`;
}

/** Text placed in HTML a chart's tooltip renders (a label may hold `<`, `&`, quotes). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
