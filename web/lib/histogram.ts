// Turn a stored log-scale histogram into bars a chart can draw.

export interface Bar {
  /** Label of the bin's lower edge. */
  label: string;
  count: number;
}

/** Bars for edges [n+1] and counts [n]; leading and trailing empty bins are trimmed. */
export function histogramBars(edges: number[], counts: number[]): Bar[] {
  if (edges.length !== counts.length + 1)
    throw new RangeError(`histogram: ${edges.length} edges for ${counts.length} counts`);
  let first = counts.findIndex((c) => c > 0);
  if (first === -1) return [];
  let last = counts.length - 1;
  while (counts[last] === 0) last--;
  first = Math.max(0, first);
  const bars: Bar[] = [];
  for (let i = first; i <= last; i++) bars.push({ label: edges[i].toPrecision(2), count: counts[i] });
  return bars;
}

/**
 * The dictionary's log-density histogram: features by log10 of the fraction of tokens they fire on, `perDecade`
 * bins per power of ten from 1e-`decades` to 1; features that never fired are counted apart (`dead`).
 */
export function logDensityHistogram(
  densities: number[],
  perDecade = 4,
  decades = 7,
): { edges: number[]; counts: number[]; dead: number } {
  const n = perDecade * decades;
  const edges = Array.from({ length: n + 1 }, (_, i) => 10 ** (i / perDecade - decades));
  const counts = new Array<number>(n).fill(0);
  let dead = 0;
  for (const d of densities) {
    if (!(d > 0)) {
      dead++;
      continue;
    }
    const bin = Math.floor((Math.log10(d) + decades) * perDecade);
    counts[Math.min(n - 1, Math.max(0, bin))]++;
  }
  return { edges, counts, dead };
}
