import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { buildMcpServer } from '../framework/build-server.ts';
import type { McpServerDeps, ServerModule } from '../framework/server-module.ts';
import { analyzeCustomerJourneyTool } from './tools/analyze-customer-journey.tool.ts';
import { detectAnomaliesTool } from './tools/detect-anomalies.tool.ts';
import { forecastTool } from './tools/forecast.tool.ts';
import { generateInsightsTool } from './tools/generate-insights.tool.ts';
import { getMetricsTool } from './tools/get-metrics.tool.ts';
import { createReportScheduleTool, deleteReportScheduleTool, listReportSchedulesTool, runReportScheduleNowTool, updateReportScheduleTool } from './tools/report-schedules.tool.ts';
import { runReportTool } from './tools/run-report.tool.ts';
import { getSavedReportTool, listSavedReportsTool, saveReportTool } from './tools/saved-reports.tool.ts';
import { registerReportResources } from './resources/report.resources.ts';

const INSTRUCTIONS =
  'Analytics and insights for the tenant: get_metrics for KPIs with period-over-period change, generate_insights for what changed, ' +
  'what is unusual, which segment or rep stands out and what comes next (each insight lists its evidence), detect_anomalies and ' +
  'forecast for one series, analyze_customer_journey for one contact, run_report for a full report with charts (also as crm://reports/{type} ' +
  'resources), create_report_schedule / update_report_schedule / list_report_schedules / delete_report_schedule for reports emailed on a cron schedule, save_report / list_saved_reports / get_saved_report for reports kept for later (the weekly digest). ' +
  'Statistics decide; text is descriptive only.';

export const insightsModule: ServerModule = {
  name: 'insights',
  title: 'Agentic CRM insights',
  instructions: INSTRUCTIONS,
  tools: [
    generateInsightsTool,
    analyzeCustomerJourneyTool,
    getMetricsTool,
    detectAnomaliesTool,
    forecastTool,
    runReportTool,
    createReportScheduleTool,
    updateReportScheduleTool,
    listReportSchedulesTool,
    runReportScheduleNowTool,
    deleteReportScheduleTool,
    saveReportTool,
    listSavedReportsTool,
    getSavedReportTool,
  ],
  register(server, ctx) {
    registerReportResources(server, ctx);
  },
};

/** The insights MCP server over the core's analytics, insights and journey services. */
export function createInsightsServer(deps: McpServerDeps): McpServer {
  const m = insightsModule;
  return buildMcpServer({ name: m.name, title: m.title, instructions: m.instructions, modules: [m] }, deps);
}
