'use client';
// The dictionary's 2-D map: every feature a point on one canvas (ECharts' large mode draws tens of thousands
// smoothly); wheel zooms, drag pans, hover shows the label, click opens the feature.
import { useRouter } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { ScatterChart } from 'echarts/charts';
import { DataZoomComponent } from 'echarts/components';
import { EChart, echarts } from './echart';

echarts.use([ScatterChart, DataZoomComponent]);

export interface MapData {
  indices: number[];
  x: number[];
  y: number[];
  density: number[];
  labels: string[];
}

export function FeatureMap({ dictionaryId, data }: { dictionaryId: string; data: MapData }) {
  const router = useRouter();
  const option = useMemo(() => {
    const points = data.indices.map((index, i) => [data.x[i], data.y[i], Math.log10(data.density[i] + 1e-7), index]);
    return {
      grid: { left: 8, right: 8, top: 8, bottom: 8 },
      xAxis: { type: 'value', show: false, scale: true },
      yAxis: { type: 'value', show: false, scale: true },
      dataZoom: [
        { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
        { type: 'inside', yAxisIndex: 0, filterMode: 'none' },
      ],
      tooltip: {
        trigger: 'item',
        formatter: (p: { data: number[] }) => {
          const i = data.indices.indexOf(p.data[3]);
          return `#${p.data[3]} ${escapeHtml(data.labels[i] || 'unlabelled')}`;
        },
      },
      series: [
        {
          type: 'scatter',
          data: points,
          symbolSize: data.indices.length > 5000 ? 3 : 6,
          large: data.indices.length > 5000,
          itemStyle: { color: '#0b5cad', opacity: 0.65 },
          emphasis: { itemStyle: { color: '#e66100', opacity: 1 } },
        },
      ],
    };
  }, [data]);
  const onClick = useCallback(
    (p: { dataIndex: number }) => router.push(`/d/${dictionaryId}/f/${data.indices[p.dataIndex]}`),
    [router, dictionaryId, data],
  );
  return (
    <div style={{ border: '1px solid var(--line)', borderRadius: 6 }}>
      <EChart option={option} height={420} onClick={onClick} testId="feature-map" />
    </div>
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
