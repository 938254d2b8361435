'use client';
// One trade-off of a model's dictionaries: L0 (sparsity) against a quality metric, a point per dictionary, the
// Pareto frontier drawn through the points nothing beats on both. Hover names a point; click opens its dictionary.
import { useRouter } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { LineChart, ScatterChart } from 'echarts/charts';
import { paretoFrontier, type TradeOffPoint } from '@/lib/evaluations';
import { escapeHtml } from '@/lib/format';
import { EChart, echarts } from './echart';

echarts.use([ScatterChart, LineChart]);

export function ParetoChart({
  title,
  yName,
  yBetter,
  points,
  testId,
}: {
  title: string;
  yName: string;
  yBetter: 'lower' | 'higher';
  points: TradeOffPoint[];
  testId: string;
}) {
  const router = useRouter();
  const option = useMemo(() => {
    const frontier = paretoFrontier(points, yBetter);
    const axis = (name: string, log: boolean) => ({
      type: log ? 'log' : 'value',
      name,
      nameLocation: 'middle',
      nameGap: 26,
      // A margin on each side, so the extreme dictionaries and their names are not cut by the frame.
      min: (v: { min: number; max: number }) => (log ? v.min / 1.3 : v.min - pad(v)),
      max: (v: { min: number; max: number }) => (log ? v.max * 1.3 : v.max + pad(v)),
      axisLabel: { formatter: (n: number) => String(Number(n.toPrecision(3))) },
      nameTextStyle: { color: '#5b6470' },
      splitLine: { lineStyle: { color: '#eef1f4' } },
    });
    return {
      grid: { left: 54, right: 64, top: 12, bottom: 40 },
      // L0 spans orders of magnitude across a sweep; log when it does.
      xAxis: axis('L0 (active latents per token)', logScale(points)),
      yAxis: axis(yName, false),
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesIndex: number; dataIndex: number }) => {
          const point = p.seriesIndex === 0 ? points[p.dataIndex] : frontier[p.dataIndex];
          return point ? `${escapeHtml(point.name)}<br/>L0 ${point.x.toFixed(1)} · ${yName} ${point.y.toFixed(3)}` : '';
        },
      },
      series: [
        {
          type: 'scatter',
          name: 'dictionaries',
          data: points.map((p) => [p.x, p.y]),
          symbolSize: 11,
          itemStyle: { color: '#0b5cad' },
          emphasis: { itemStyle: { color: '#e66100' } },
          label: { show: true, position: 'right', formatter: (p: { dataIndex: number }) => points[p.dataIndex].name },
        },
        {
          type: 'line',
          name: 'Pareto frontier',
          data: frontier.map((p) => [p.x, p.y]),
          symbol: 'none',
          silent: true,
          lineStyle: { color: '#e66100', type: 'dashed', width: 1.5 },
        },
      ],
    };
  }, [points, yName, yBetter]);
  const onClick = useCallback(
    (p: { dataIndex: number; seriesIndex?: number }) => {
      const point = (p.seriesIndex ?? 0) === 0 ? points[p.dataIndex] : undefined;
      if (point) router.push(`/d/${point.id}`);
    },
    [router, points],
  );
  return (
    <figure style={{ margin: 0 }}>
      <figcaption>
        <b>{title}</b> <span className="muted">({yBetter} is better)</span>
      </figcaption>
      {points.length ? (
        <div style={{ border: '1px solid var(--line)', borderRadius: 6 }}>
          <EChart option={option} height={280} onClick={onClick} testId={testId} />
        </div>
      ) : (
        <p className="empty" data-testid={`${testId}-empty`}>
          No dictionary of this model has both numbers yet.
        </p>
      )}
    </figure>
  );
}

/** 12% of an axis' span; a tenth of the value when every point has the same one. */
function pad(v: { min: number; max: number }): number {
  return (v.max - v.min) * 0.12 || Math.abs(v.max) * 0.1 || 1;
}

/** Log L0 when every L0 is positive and they span more than 20x. */
function logScale(points: readonly TradeOffPoint[]): boolean {
  const xs = points.map((p) => p.x);
  return xs.length > 0 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) > 20;
}
