import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
echarts.use([BarChart, GridComponent, SVGRenderer]);
const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 500, height: 180 });
chart.setOption({ animation: false, xAxis: { type: 'category', data: ['a', 'b'] }, yAxis: { type: 'value' }, series: [{ type: 'bar', data: [1, 3] }] });
console.log(chart.renderToSVGString().slice(0, 400));
