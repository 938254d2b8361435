'use client';
// The dictionary's 2-D map: every feature a point on one canvas (ECharts' large mode draws tens of thousands
// smoothly); wheel zooms, drag pans, hover shows the label, click opens the feature. With a filter on the feature
// table, the points it lists are drawn in orange on top and the rest fade to grey.
import { useRouter } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { ScatterChart } from 'echarts/charts';
import { DataZoomComponent } from 'echarts/components';
import { escapeHtml } from '@/lib/format';
import { EChart, echarts } from './echart';

echarts.use([ScatterChart, DataZoomComponent]);

export interface MapData {
  indices: number[];
  x: number[];
  y: number[];
  density: number[];
  labels: string[];
  /** Per point, whether it passes the feature table's filter; null without one. */
  matches?: boolean[] | null;
}

/** What the axes of a map made by `method` are called. */
function axisNames(method: string | null | undefined): [string, string] {
  if (method === 'umap') return ['UMAP 1', 'UMAP 2'];
  if (method === 'pca') return ['PC 1', 'PC 2'];
  return ['map x', 'map y'];
}

/** The caption under the map: what a point is, how it was placed, what the colours say. */
export function mapCaption(data: MapData, method: string | null | undefined): string {
  const how =
    method === 'umap'
      ? 'UMAP of the decoder directions'
      : method === 'pca'
        ? 'the first two principal components of the decoder directions'
        : 'a 2-D projection (UMAP or PCA) of the decoder directions';
  const n = data.indices.length.toLocaleString('en');
  const matched = data.matches ? data.matches.filter(Boolean).length : undefined;
  const colours =
    matched === undefined
      ? ''
      : ` Orange: the ${matched.toLocaleString('en')} of ${n} features that match the filter; grey: the rest.`;
  return (
    `Each point is one of ${n} features, placed by ${how}: features that write similar directions sit close ` +
    `together; the axes have no units.${colours} Hover for a label, click to open, scroll to zoom, drag to pan.`
  );
}

export function FeatureMap({
  dictionaryId,
  data,
  mapMethod,
}: {
  dictionaryId: string;
  data: MapData;
  mapMethod?: string | null;
}) {
  const router = useRouter();
  const option = useMemo(() => {
    const large = data.indices.length > 5000;
    const points = data.indices.map((index, i) => [data.x[i], data.y[i], Math.log10(data.density[i] + 1e-7), index]);
    const [xName, yName] = axisNames(mapMethod);
    const axis = (name: string) => ({
      type: 'value',
      // A margin of 4% on each side, so points at the extremes are not cut by the frame.
      min: (v: { min: number; max: number }) => v.min - (v.max - v.min) * 0.04,
      max: (v: { min: number; max: number }) => v.max + (v.max - v.min) * 0.04,
      name,
      nameLocation: 'middle',
      nameGap: 8,
      axisLabel: { show: false },
      axisTick: { show: false },
      splitLine: { show: false },
      axisLine: { show: true, onZero: false, lineStyle: { color: '#d9dee4' } },
      nameTextStyle: { color: '#5b6470' },
    });
    const scatter = (points: number[][], name: string, color: string, opacity: number, size: number) => ({
      type: 'scatter',
      name,
      data: points,
      symbolSize: size,
      large,
      itemStyle: { color, opacity },
      emphasis: { itemStyle: { color: '#e66100', opacity: 1 } },
    });
    const small = large ? 3 : 6;
    const series = data.matches
      ? [
          scatter(
            points.filter((_, i) => !data.matches![i]),
            'other features',
            '#8a939d',
            0.55,
            small,
          ),
          scatter(
            points.filter((_, i) => data.matches![i]),
            'matching the filter',
            '#e66100',
            0.95,
            small + 2,
          ),
        ]
      : [scatter(points, 'features', '#0b5cad', 0.65, small)];
    return {
      grid: { left: 22, right: 8, top: 8, bottom: 22 },
      xAxis: axis(xName),
      yAxis: axis(yName),
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
      series,
    };
  }, [data, mapMethod]);
  const onClick = useCallback(
    (p: { dataIndex: number; seriesIndex?: number }) => {
      // Large mode does not hand the point back; its series and index find it.
      const point = option.series[p.seriesIndex ?? 0]?.data[p.dataIndex];
      if (point) router.push(`/d/${dictionaryId}/f/${point[3]}`);
    },
    [router, dictionaryId, option],
  );
  return (
    <figure className="feature-map" data-testid="feature-map-figure">
      <div style={{ border: '1px solid var(--line)', borderRadius: 6 }}>
        <EChart option={option} height={420} onClick={onClick} testId="feature-map" />
      </div>
      <figcaption className="muted" data-testid="feature-map-caption">
        {mapCaption(data, mapMethod)}
      </figcaption>
    </figure>
  );
}
