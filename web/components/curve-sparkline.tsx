// A dictionary's training curve (FVU against tokens) as a small line drawn on the server: the home page lists every
// dictionary with its curve without shipping a charting library.
import { LineChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import { echarts, renderChartSvg } from '@/lib/server-chart';

echarts.use([LineChart, GridComponent]);

const WIDTH = 120;
const HEIGHT = 32;

export function CurveSparkline({ tokens, values, name }: { tokens: number[]; values: number[]; name: string }) {
  if (tokens.length < 2) return <span className="muted">—</span>;
  const last = values[values.length - 1];
  const svg = renderChartSvg(WIDTH, HEIGHT, {
    grid: { left: 2, right: 2, top: 2, bottom: 2 },
    xAxis: { type: 'value', show: false, min: tokens[0], max: tokens[tokens.length - 1] },
    yAxis: { type: 'value', show: false, min: 0 },
    series: [
      {
        type: 'line',
        data: tokens.map((t, i) => [t, values[i]]),
        showSymbol: false,
        lineStyle: { width: 1.5, color: '#1a5fb4' },
      },
    ],
  });
  return (
    <span
      className="sparkline"
      role="img"
      aria-label={`${name} from ${values[0].toFixed(3)} to ${last.toFixed(3)} over ${tokens[tokens.length - 1].toLocaleString('en')} tokens`}
      title={`${name}: ${last.toFixed(3)} after ${tokens[tokens.length - 1].toLocaleString('en')} tokens`}
      dangerouslySetInnerHTML={{ __html: svg }}
    />
  );
}
