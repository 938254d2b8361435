// A feature's log-scale activation histogram as bars, drawn by ECharts on the server into SVG: the feature page
// then ships no charting code at all (ECharts' runtime is about 175 kB gzip, most of the page's first-load JS).
import { BarChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import { histogramBars, type Bar } from '@/lib/histogram';
import { echarts, renderChartSvg } from '@/lib/server-chart';

echarts.use([BarChart, GridComponent]);

/** Drawing size in SVG units; the SVG has a viewBox, so CSS scales it to the column's width. */
const WIDTH = 520;
const HEIGHT = 180;

function renderSvg(bars: Bar[], xName: string): string {
  return renderChartSvg(WIDTH, HEIGHT, {
    grid: { left: 48, right: 12, top: 12, bottom: 36 },
    xAxis: { type: 'category', data: bars.map((b) => b.label), name: xName, nameLocation: 'middle', nameGap: 24 },
    yAxis: { type: 'value', name: 'count' },
    series: [{ type: 'bar', data: bars.map((b) => b.count), itemStyle: { color: '#e66100' }, barCategoryGap: '10%' }],
  });
}

export function HistogramChart({ edges, counts, xName }: { edges: number[]; counts: number[]; xName: string }) {
  const bars = histogramBars(edges, counts);
  const summary = bars.map((b) => `${b.label}: ${b.count}`).join(', ');
  return (
    <div
      className="chart-svg"
      data-testid="histogram"
      role="img"
      aria-label={`${xName}: ${summary}`}
      title={summary}
      dangerouslySetInnerHTML={{ __html: renderSvg(bars, xName) }}
    />
  );
}
