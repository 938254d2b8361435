// A feature's log-scale activation histogram as bars, drawn by ECharts on the server into SVG: the feature page
// then ships no charting code at all (ECharts' runtime is about 175 kB gzip, most of the page's first-load JS).
import { BarChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import { histogramBars, type Bar } from '@/lib/histogram';
import { echarts, renderChartSvg } from '@/lib/server-chart';

echarts.use([BarChart, GridComponent]);

/**
 * Drawing size in SVG units. The SVG has a viewBox, so CSS scales it to its column's width, text included: draw it
 * at about the width it is shown (a half-page column by default), or its 12 px labels grow with it.
 */
const HALF_WIDTH = 520;
const HEIGHT = 180;

function renderSvg(bars: Bar[], xName: string, width: number): string {
  return renderChartSvg(width, HEIGHT, {
    grid: { left: 48, right: 12, top: 12, bottom: 36 },
    xAxis: { type: 'category', data: bars.map((b) => b.label), name: xName, nameLocation: 'middle', nameGap: 24 },
    yAxis: { type: 'value', name: 'count' },
    series: [{ type: 'bar', data: bars.map((b) => b.count), itemStyle: { color: '#e66100' }, barCategoryGap: '10%' }],
  });
}

export function HistogramChart({
  edges,
  counts,
  xName,
  width = HALF_WIDTH,
}: {
  edges: number[];
  counts: number[];
  xName: string;
  width?: number;
}) {
  const bars = histogramBars(edges, counts);
  const summary = bars.map((b) => `${b.label}: ${b.count}`).join(', ');
  return (
    <div
      className="chart-svg"
      data-testid="histogram"
      role="img"
      aria-label={`${xName}: ${summary}`}
      title={summary}
      dangerouslySetInnerHTML={{ __html: renderSvg(bars, xName, width) }}
    />
  );
}
