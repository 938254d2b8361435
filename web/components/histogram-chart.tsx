// A feature's log-scale activation histogram as bars, drawn by ECharts on the server into SVG: the feature page
// then ships no charting code at all (ECharts' runtime is about 175 kB gzip, most of the page's first-load JS).
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { histogramBars } from '@/lib/histogram';

echarts.use([BarChart, GridComponent, SVGRenderer]);

/** Drawing size in SVG units; the SVG has a viewBox, so CSS scales it to the column's width. */
const WIDTH = 520;
const HEIGHT = 180;

export function HistogramChart({ edges, counts, xName }: { edges: number[]; counts: number[]; xName: string }) {
  const bars = histogramBars(edges, counts);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 12, top: 12, bottom: 36 },
      xAxis: { type: 'category', data: bars.map((b) => b.label), name: xName, nameLocation: 'middle', nameGap: 24 },
      yAxis: { type: 'value', name: 'count' },
      series: [{ type: 'bar', data: bars.map((b) => b.count), itemStyle: { color: '#e66100' }, barCategoryGap: '10%' }],
    });
    const summary = bars.map((b) => `${b.label}: ${b.count}`).join(', ');
    return (
      <div
        className="chart-svg"
        data-testid="histogram"
        role="img"
        aria-label={`${xName}: ${summary}`}
        title={summary}
        dangerouslySetInnerHTML={{ __html: chart.renderToSVGString() }}
      />
    );
  } finally {
    chart.dispose();
  }
}
