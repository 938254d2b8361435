'use client';
// A dictionary's training curves on its page, drawn in the browser by ECharts (a legend toggles each line).
import { useMemo } from 'react';
import { LineChart } from 'echarts/charts';
import { LegendComponent } from 'echarts/components';
import { EChart, echarts } from './echart';

echarts.use([LineChart, LegendComponent]);

export interface Curves {
  tokens: number[];
  loss: number[];
  l0: number[];
  fvu: number[];
  deadFraction: number[];
}

/** Token counts on the axis: 1.2M, 350k, 1.5k, 800. */
function formatTokens(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e4) return `${Math.round(v / 1e3)}k`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return String(v);
}

/** Training curves against tokens: FVU and dead fraction (left axis), L0 (right axis), named in a legend. */
export function CurvesChart({ curves, height = 190 }: { curves: Curves; height?: number }) {
  const option = useMemo(
    () => ({
      grid: { left: 40, right: 40, top: 52, bottom: 28 },
      tooltip: { trigger: 'axis' },
      // Clicking a name hides its line; the axis each line reads against is in its name.
      legend: { top: 0, data: ['FVU', 'dead fraction', 'L0 (right axis)'] },
      xAxis: {
        type: 'value',
        name: 'tokens',
        nameLocation: 'middle',
        nameGap: 18,
        axisLabel: { formatter: formatTokens },
      },
      yAxis: [
        { type: 'value', name: 'FVU / dead', min: 0 },
        { type: 'value', name: 'L0', min: 0 },
      ],
      series: [
        {
          name: 'FVU',
          type: 'line',
          showSymbol: false,
          data: curves.tokens.map((t, i) => [t, curves.fvu[i]]),
          color: '#0b5cad',
        },
        {
          name: 'dead fraction',
          type: 'line',
          showSymbol: false,
          data: curves.tokens.map((t, i) => [t, curves.deadFraction[i]]),
          color: '#a4352a',
        },
        {
          name: 'L0 (right axis)',
          type: 'line',
          showSymbol: false,
          yAxisIndex: 1,
          data: curves.tokens.map((t, i) => [t, curves.l0[i]]),
          color: '#e66100',
        },
      ],
    }),
    [curves],
  );
  return <EChart option={option} height={height} testId="curves" />;
}
