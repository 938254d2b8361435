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
