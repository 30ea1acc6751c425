/**
 * Charts as vega-lite 5 specs compiled to vega and rendered headless to SVG (no browser, no
 * canvas), and to PNG with resvg for email clients that do not show inline SVG.
 */
import type { TopLevelSpec } from 'vega-lite';
import { lazyModule } from '../lazy-module.ts';
import type { Chart } from './report.schema.ts';

const resvg = lazyModule<typeof import('@resvg/resvg-js')>('@resvg/resvg-js');

const BASE = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', width: 560, height: 220, background: 'white', padding: 12 } as const;

export async function renderChart(id: string, title: string, spec: Record<string, unknown>): Promise<Chart> {
  const full = { ...BASE, title, ...spec } as unknown as TopLevelSpec;
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(full).spec), { renderer: 'none' });
  try {
    return { id, title, spec: full as unknown as Record<string, unknown>, svg: await view.toSVG() };
  } finally {
    view.finalize();
  }
}

export function chartPng(chart: Chart, scale = 2): Buffer {
  return new (resvg().Resvg)(chart.svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true }, background: 'white' }).render().asPng();
}

export function lineChart(values: Record<string, unknown>[], x: string, series: { field: string; title: string }[], yTitle: string): Record<string, unknown> {
  return {
    data: { values },
    transform: [{ fold: series.map((s) => s.field), as: ['series', 'value'] }],
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: x, type: 'temporal', title: null },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: series.map((s) => s.field), range: ['#2563eb', '#16a34a', '#dc2626', '#9333ea'] }, legend: { orient: 'top', labelExpr: series.map((s) => `datum.label === '${s.field}' ? '${s.title.replace(/'/g, '')}' : `).join('') + 'datum.label' } },
    },
  };
}

export function barChart(values: { label: string; value: number }[], xTitle: string, format = ''): Record<string, unknown> {
  return {
    data: { values },
    mark: { type: 'bar', color: '#2563eb' },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: '-x', title: null },
      x: { field: 'value', type: 'quantitative', title: xTitle, axis: format ? { format } : {} },
      tooltip: [{ field: 'label' }, { field: 'value', format }],
    },
    height: { step: 22 },
  };
}

/** A forecast band: history as a line, the future as mean line + interval area. */
export function forecastChart(history: { day: string; value: number }[], future: { day: string; mean: number; low: number; high: number }[], yTitle: string): Record<string, unknown> {
  return {
    layer: [
      { data: { values: future }, mark: { type: 'area', opacity: 0.25, color: '#2563eb' }, encoding: { x: { field: 'day', type: 'temporal', title: null }, y: { field: 'low', type: 'quantitative', title: yTitle }, y2: { field: 'high' } } },
      { data: { values: future }, mark: { type: 'line', strokeDash: [4, 3], color: '#2563eb' }, encoding: { x: { field: 'day', type: 'temporal' }, y: { field: 'mean', type: 'quantitative' } } },
      { data: { values: history }, mark: { type: 'line', color: '#111827' }, encoding: { x: { field: 'day', type: 'temporal' }, y: { field: 'value', type: 'quantitative' } } },
    ],
  };
}
