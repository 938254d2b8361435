// Charts drawn by ECharts on the server into SVG strings: pages that only show them ship no charting code (ECharts'
// runtime is about 175 kB gzip). Each chart registers the ECharts parts it uses before calling `renderChartSvg`.
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([SVGRenderer]);

/** Rendered SVGs by content (so never stale), oldest evicted first. */
const rendered = new Map<string, string>();
const MAX_RENDERED = 512;

/** SSR costs milliseconds per chart; the data (a histogram, training curves) only changes when recomputed. */
export function renderChartSvg(width: number, height: number, option: echarts.EChartsCoreOption): string {
  const key = JSON.stringify([width, height, option]);
  const hit = rendered.get(key);
  if (hit) return hit;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    const svg = chart.renderToSVGString();
    if (rendered.size >= MAX_RENDERED) rendered.delete(rendered.keys().next().value!);
    rendered.set(key, svg);
    return svg;
  } finally {
    chart.dispose();
  }
}

export { echarts };
