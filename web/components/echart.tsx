'use client';
// One ECharts instance on a div: created on mount, updated with the option, resized with its box, disposed on
// unmount. Each chart component registers the chart types it draws (echarts.use), so a page ships only those:
// the feature page's histogram needs no scatter, line or zoom code.
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([GridComponent, TooltipComponent, CanvasRenderer]);

export { echarts };

export type EChartsOption = echarts.EChartsCoreOption;

export function EChart({
  option,
  height,
  onClick,
  testId,
}: {
  option: EChartsOption;
  height: number;
  onClick?: (params: { dataIndex: number; seriesIndex?: number }) => void;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!ref.current) return;
    const instance = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    chart.current = instance;
    // Browser tests find a point's pixel through the instance (convertToPixel) to click it like a person.
    (ref.current as HTMLDivElement & { chart?: echarts.ECharts }).chart = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(ref.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  useEffect(() => {
    const instance = chart.current;
    if (!instance || !onClick) return;
    const handler = (p: unknown) => onClick(p as { dataIndex: number; seriesIndex?: number });
    instance.on('click', handler);
    return () => {
      instance.off('click', handler);
    };
  }, [onClick]);
  return <div ref={ref} style={{ width: '100%', height }} data-testid={testId} />;
}
