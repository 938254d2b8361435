'use client';
import { useMemo } from 'react';
import { histogramBars } from '@/lib/histogram';
import { EChart } from './echart';

/** A feature's (or a dictionary's) log-scale histogram as bars. */
export function HistogramChart({ edges, counts, xName }: { edges: number[]; counts: number[]; xName: string }) {
  const option = useMemo(() => {
    const bars = histogramBars(edges, counts);
    return {
      grid: { left: 48, right: 12, top: 12, bottom: 36 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: bars.map((b) => b.label), name: xName, nameLocation: 'middle', nameGap: 24 },
      yAxis: { type: 'value', name: 'count' },
      series: [{ type: 'bar', data: bars.map((b) => b.count), itemStyle: { color: '#e66100' }, barCategoryGap: '10%' }],
    };
  }, [edges, counts, xName]);
  return <EChart option={option} height={180} testId="histogram" />;
}
