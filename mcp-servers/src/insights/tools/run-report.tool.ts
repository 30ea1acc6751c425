import { reportHtml, reportNarrative } from '@crm/core/contracts';
import { RunReport } from '../../contracts/insights/reports.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';
import { reportUri } from '../resources/report.resources.ts';

export const runReportTool = defineTool(RunReport, {
  title: 'Run report',
  description:
    'Generate an analytics report (the design document\'s ReportTypes) for a period and optional segment: metrics with period-over-period ' +
    'change, statistically tested insights with their data points, vega-lite chart specs and a short narrative. Links the HTML report ' +
    '(crm://reports/{type}); include_html embeds it.',
  annotations: READ_ONLY,
  async handler(args, { core, actor }) {
    const report = await core.reports.run(actor, { type: args.type, ...(args.date_range ? { dateRange: args.date_range } : {}), filters: args.filters ?? [] });
    return {
      id: report.id,
      name: report.name,
      type: report.type,
      date_range: report.dateRange,
      filters: report.filters,
      narrative: report.narrative ?? reportNarrative(report),
      narrated_by: report.narratedBy ?? 'template',
      metrics: report.metrics,
      insights: report.insights,
      charts: report.visualizations.map((c) => ({ id: c.id, title: c.title, spec: c.spec })),
      notes: report.notes,
      resource_uri: reportUri(report.type),
      // not in the output contract: embedded as a resource by `content`
      html: args.include_html ? reportHtml(report) : undefined,
    };
  },
  summarize: (o) => o.narrative,
  content(o, raw) {
    const link = { type: 'resource_link' as const, uri: o.resource_uri, name: `report-${o.type.toLowerCase()}`, title: `${o.type} report (HTML, last 30 days)`, mimeType: 'text/html' };
    const html = (raw as { html?: string }).html;
    return html ? [link, { type: 'resource' as const, resource: { uri: `${o.resource_uri}?report=${o.id}`, mimeType: 'text/html', text: html } }] : [link];
  },
});
