// A feature's log-scale activation histogram as bars, drawn by ECharts on the server into SVG: the feature page
// then ships no charting code at all (ECharts' runtime is about 175 kB gzip, most of the page's first-load JS).
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { histogramBars, type Bar } from '@/lib/histogram';

echarts.use([BarChart, GridComponent, SVGRenderer]);

/** Drawing size in SVG units; the SVG has a viewBox, so CSS scales it to the column's width. */
const WIDTH = 520;
const HEIGHT = 180;

/** Rendered SVGs by content (so never stale), oldest evicted first: ~15 kB each, at most ~4 MB. */
const rendered = new Map<string, string>();
const MAX_RENDERED = 256;

/** ECharts' SSR costs milliseconds per chart; a feature's histogram only changes when it is re-analysed. */
function renderSvg(bars: Bar[], xName: string): string {
  const key = JSON.stringify([xName, bars]);
  const hit = rendered.get(key);
  if (hit) return hit;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 12, top: 12, bottom: 36 },
      xAxis: { type: 'category', data: bars.map((b) => b.label), name: xName, nameLocation: 'middle', nameGap: 24 },
      yAxis: { type: 'value', name: 'count' },
      series: [{ type: 'bar', data: bars.map((b) => b.count), itemStyle: { color: '#e66100' }, barCategoryGap: '10%' }],
    });
    const svg = chart.renderToSVGString();
    if (rendered.size >= MAX_RENDERED) rendered.delete(rendered.keys().next().value!);
    rendered.set(key, svg);
    return svg;
  } finally {
    chart.dispose();
  }
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
