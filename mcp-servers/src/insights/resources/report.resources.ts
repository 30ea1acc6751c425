import type { ReportType } from '@crm/core';
import { AppError, REPORT_TYPES, reportHtml } from '@crm/core/contracts';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { guarded } from '../../framework/mcp-errors.ts';
import type { ModuleContext } from '../../framework/server-module.ts';

const TITLES: Record<ReportType, string> = {
  LEAD_PERFORMANCE: 'Lead performance',
  SALES_PIPELINE: 'Sales pipeline',
  CAMPAIGN_ANALYSIS: 'Campaign analysis',
  USER_ACTIVITY: 'User activity',
  CUSTOMER_SATISFACTION: 'Customer satisfaction',
  FINANCIAL_METRICS: 'Financial metrics',
};

export const reportUri = (type: ReportType) => `crm://reports/${type}`;

/** `crm://reports/{type}`: each report type over the last 30 days as HTML with inline SVG charts. */
export function registerReportResources(server: McpServer, ctx: ModuleContext): void {
  const { logger } = ctx;
  server.registerResource(
    'report',
    new ResourceTemplate('crm://reports/{type}', {
      list: async () => ({ resources: REPORT_TYPES.map((type) => ({ uri: reportUri(type), name: `report-${type.toLowerCase()}`, title: `${TITLES[type]} report`, mimeType: 'text/html' })) }),
      complete: { type: (value: string) => REPORT_TYPES.filter((t) => t.startsWith(value.toUpperCase())) },
    }),
    {
      title: 'Analytics report',
      description: `An analytics report over the last 30 days (compared with the 30 before) as HTML with SVG charts. {type}: ${REPORT_TYPES.join(', ')}. Use run_report for another period or a segment.`,
      mimeType: 'text/html',
    },
    guarded(logger, 'resources/read', async (uri, vars, extra) => {
      const raw = (Array.isArray(vars.type) ? vars.type[0] : vars.type) ?? '';
      const type = raw.toUpperCase().replace(/-/g, '_') as ReportType;
      if (!REPORT_TYPES.includes(type)) {
        throw AppError.validation([{ path: 'type', reason: `must be one of ${REPORT_TYPES.join(', ')}, got "${raw}"` }], `Unknown report type "${raw}"`);
      }
      const { actor, core } = ctx.context(extra);
      const report = await core.reports.run(actor, { type });
      return { contents: [{ uri: uri.href, mimeType: 'text/html', text: reportHtml(report) }] };
    }),
  );
}
