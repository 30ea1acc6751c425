/** A generated report as HTML (inline SVG charts), CSV (the metrics) and email attachments. */
import type { Metric } from '../analytics/analytics.schema.ts';
import { localDate } from '../tenants/local-day.ts';
import { chartPng } from './report.charts.ts';
import type { AnalyticsReport } from './report.schema.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function formatValue(m: Metric): string {
  if (m.unit === 'ratio') return `${(m.value * 100).toFixed(1)}%`;
  return `${Number.isInteger(m.value) ? m.value : m.value.toFixed(2)}${m.unit && m.unit !== 'ratio' ? ` ${m.unit}` : ''}`;
}

export function formatChange(m: Metric): string {
  if (m.change === undefined) return '—';
  return m.group === 'sentiment' ? `${m.change >= 0 ? '+' : ''}${m.change.toFixed(2)}` : `${m.change >= 0 ? '+' : ''}${(m.change * 100).toFixed(1)}%`;
}

/** "2026-10-31 – 2026-11-29": the period's first and last calendar day in the report's time zone (its end is exclusive). */
export function reportPeriod(r: Pick<AnalyticsReport, 'dateRange' | 'timeZone'>): string {
  const zone = r.timeZone ?? 'UTC';
  const last = new Date(Math.max(r.dateRange.start.getTime(), r.dateRange.end.getTime() - 1));
  return `${localDate(r.dateRange.start, zone)} – ${localDate(last, zone)}${zone === 'UTC' ? ' (UTC)' : ` (${zone})`}`;
}

const ARROW = { UP: '▲', DOWN: '▼', STABLE: '▬' } as const;

/**
 * The report as one HTML page. `charts: 'cid'` is the email form: mail clients drop inline SVG, so
 * each chart is an <img> of its PNG attachment (reportAttachments names them `<chart id>@report`).
 */
export function reportHtml(r: AnalyticsReport, options: { charts?: 'svg' | 'cid' } = {}): string {
  const rows = r.metrics
    .map((m) => `<tr><td>${esc(m.name)}</td><td class="n">${esc(formatValue(m))}</td><td class="n">${esc(formatChange(m))}</td><td>${ARROW[m.trend]} ${m.trend}</td><td class="n">${(m.confidence * 100).toFixed(0)}%</td><td class="n">${m.benchmark === undefined ? '' : esc(m.unit === 'ratio' ? `${(m.benchmark * 100).toFixed(1)}%` : String(m.benchmark))}</td><td class="n">${m.sampleSize}</td></tr>`)
    .join('\n');
  const insights = r.insights
    .map(
      (i) => `<section class="insight ${i.impact.toLowerCase()}"><h3>${esc(i.title)}</h3><p class="meta">${i.type} · impact ${i.impact} · confidence ${(i.confidence * 100).toFixed(0)}%</p><p>${esc(i.description)}</p>
<ul>${i.recommendations.map((x) => `<li>${esc(x)}</li>`).join('')}</ul><details><summary>Data points (${i.dataPoints.length})</summary><ul>${i.dataPoints.map((d) => `<li>${esc(d)}</li>`).join('')}</ul></details></section>`,
    )
    .join('\n');
  const chart = (c: AnalyticsReport['visualizations'][number]) => (options.charts === 'cid' ? `<img src="cid:${esc(c.id)}@report" alt="${esc(c.title)}" style="max-width:100%">` : c.svg);
  const charts = r.visualizations.map((c) => `<figure>${chart(c)}<figcaption>${esc(c.title)}</figcaption></figure>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.name)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;color:#111827;padding:0 1rem}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left}.n{text-align:right}
.insight{border-left:4px solid #9ca3af;padding:4px 12px;margin:12px 0}.insight.high{border-color:#dc2626}.insight.medium{border-color:#f59e0b}
.meta{color:#6b7280;font-size:13px}figure{margin:16px 0}figcaption{color:#6b7280;font-size:13px}
</style></head><body>
<h1>${esc(r.name)}</h1>
<p class="meta">${r.type} · ${esc(reportPeriod(r))} (compared with the period before) · generated ${r.lastGenerated.toISOString()}${r.filters.length ? ` · filter ${r.filters.map((f) => `${f.field} = ${esc(f.value)}`).join(', ')}` : ''}</p>
${r.narrative ? `<p class="narrative">${esc(r.narrative)}${r.narratedBy === 'model' ? ' <span class="meta">(written by the configured chat model from these statistics)</span>' : ''}</p>` : ''}
${r.notes.map((n) => `<p class="meta">${esc(n)}</p>`).join('\n')}
<h2>Charts</h2>
${charts}
<h2>Metrics</h2>
<table><thead><tr><th>Metric</th><th class="n">Value</th><th class="n">Change</th><th>Trend</th><th class="n">Confidence</th><th class="n">Benchmark</th><th class="n">n</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Insights</h2>
${insights || '<p>No statistically significant findings in this period.</p>'}
</body></html>
`;
}

const csvCell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  // Leading = + - @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function reportCsv(r: AnalyticsReport): string {
  const header = ['key', 'group', 'name', 'value', 'unit', 'change', 'trend', 'confidence', 'benchmark', 'sample_size'];
  const lines = r.metrics.map((m) => [m.key, m.group, m.name, m.value, m.unit, m.change, m.trend, m.confidence, m.benchmark, m.sampleSize].map(csvCell).join(','));
  return `${header.join(',')}\n${lines.join('\n')}\n`;
}

export interface ReportAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Set for charts: reference as <img src="cid:..."> in the mail body. */
  cid?: string;
}

/** What the workflow engine's mail transport sends: the HTML report, the CSV and one PNG per chart. */
export function reportAttachments(r: AnalyticsReport): ReportAttachment[] {
  const base = r.type.toLowerCase().replace(/_/g, '-');
  return [
    { filename: `${base}.html`, contentType: 'text/html; charset=utf-8', content: Buffer.from(reportHtml(r)) },
    { filename: `${base}-metrics.csv`, contentType: 'text/csv; charset=utf-8', content: Buffer.from(reportCsv(r)) },
    ...r.visualizations.map((c) => ({ filename: `${c.id}.png`, contentType: 'image/png', content: chartPng(c), cid: `${c.id}@report` })),
  ];
}

/**
 * A few sentences over the statistics: the largest significant moves and the insights' titles.
 * Template text; with a remote chat model configured the report service asks it for the narrative
 * (numbers checked against the report) and keeps this text when that is rejected.
 */
export function reportNarrative(r: AnalyticsReport): string {
  const period = reportPeriod(r);
  const moves = r.metrics
    .filter((m) => m.trend !== 'STABLE' && m.change !== undefined)
    .sort((a, b) => Math.abs(b.change!) - Math.abs(a.change!))
    .slice(0, 3)
    .map((m) => `${m.name} ${m.trend === 'UP' ? 'rose' : 'fell'} to ${formatValue(m)} (${formatChange(m)}, confidence ${(m.confidence * 100).toFixed(0)}%)`);
  const parts = [`${r.name}: ${r.metrics.length} metrics for ${period}, compared with the period before.`];
  parts.push(moves.length ? `Significant changes: ${moves.join('; ')}.` : 'No metric changed significantly.');
  if (r.insights.length) parts.push(`Findings: ${r.insights.map((i) => `${i.title} (${i.impact.toLowerCase()} impact)`).join('; ')}.`);
  else parts.push('No statistically significant findings.');
  parts.push(...r.notes);
  return parts.join(' ');
}
