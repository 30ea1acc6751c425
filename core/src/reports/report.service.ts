import { randomUUID } from 'node:crypto';
import type { MetricGroup } from '../analytics/analytics.schema.ts';
import { defaultRange, type AnalyticsService } from '../analytics/analytics.service.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { InsightType } from '../insights/insight.schema.ts';
import type { InsightsService } from '../insights/insights.service.ts';
import type { Actor } from '../users/user.schema.ts';
import { localDate, placeRange } from '../tenants/local-day.ts';
import type { Logger } from '../logger.ts';
import type { ReportNarrator } from '../insights/model-narrator.ts';
import { formatChange, formatValue, reportNarrative } from './report.render.ts';
import { barChart, forecastChart, lineChart, renderChart } from './report.charts.ts';
import { ReportDefinition, type AnalyticsReport, type Chart, type ReportType } from './report.schema.ts';

interface Plan {
  title: string;
  groups: MetricGroup[];
  insights: InsightType[];
  notes?: string[];
}

const PLANS: Record<ReportType, Plan> = {
  LEAD_PERFORMANCE: { title: 'Lead performance', groups: ['conversion', 'velocity'], insights: ['TREND_ANALYSIS', 'OPPORTUNITY_IDENTIFICATION', 'ANOMALY_DETECTION'] },
  SALES_PIPELINE: { title: 'Sales pipeline', groups: ['pipeline', 'velocity'], insights: ['PREDICTIVE_FORECAST', 'TREND_ANALYSIS'] },
  CAMPAIGN_ANALYSIS: { title: 'Campaign analysis', groups: ['conversion'], insights: ['OPPORTUNITY_IDENTIFICATION', 'TREND_ANALYSIS'] },
  USER_ACTIVITY: { title: 'User activity', groups: ['activity', 'response_time'], insights: ['PERFORMANCE_COMPARISON', 'ANOMALY_DETECTION'] },
  CUSTOMER_SATISFACTION: { title: 'Customer satisfaction', groups: ['sentiment', 'response_time'], insights: ['ANOMALY_DETECTION', 'TREND_ANALYSIS'] },
  FINANCIAL_METRICS: {
    title: 'Financial metrics',
    groups: ['pipeline', 'conversion', 'velocity'],
    insights: ['PREDICTIVE_FORECAST'],
    notes: ['The CRM stores no deal values yet: financial metrics are counted in deals won, not currency.'],
  },
};

const DAY = 86_400_000;

export interface ReportServiceDeps {
  analytics: AnalyticsService;
  insights: InsightsService;
  /** Writes the narrative from the report's statistics (a remote chat model); the template stands without it or when it is rejected. */
  narrator?: ReportNarrator;
  logger?: Logger;
  now?: () => Date;
}

/** The numbers a report's narrative may use: every metric with its change, and each insight's text and data points. */
function reportFacts(r: AnalyticsReport): string[] {
  const metrics = r.metrics.map(
    (m) => `${m.name}: ${formatValue(m)}${m.change === undefined ? '' : ` (${formatChange(m)} vs the period before)`}, trend ${m.trend}, confidence ${(m.confidence * 100).toFixed(0)}%`,
  );
  return [...metrics, ...r.insights.flatMap((i) => [`${i.title}. ${i.description}`, ...i.dataPoints])];
}

export function createReportService(deps: ReportServiceDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    /** Generate one report of a definition: metrics, insights and charts, as the design document's AnalyticsReport. */
    async run(actor: Actor, raw: ReportDefinition): Promise<AnalyticsReport> {
      const def = parseOrThrow(ReportDefinition, raw);
      const plan = PLANS[def.type];
      const timeZone = await deps.analytics.timeZone(actor);
      // Default period: the last 30 calendar days of the tenant's zone (from its midnight) up to now.
      // an explicit period is read in the tenant's zone (a date-only end includes its day)
      const range = def.dateRange ? placeRange(def.dateRange, timeZone) : defaultRange(now(), 30, timeZone);
      const segment = def.filters[0] ? `${def.filters[0].field}=${def.filters[0].value}` : undefined;
      // Trends and forecasts need history: the analysed window is at least 12 weeks.
      const history = { start: new Date(Math.min(range.start.getTime(), range.end.getTime() - 84 * DAY)), end: range.end };
      const [metrics, insights, daily] = [
        await deps.analytics.metrics(actor, { dateRange: range, groups: plan.groups }),
        await deps.insights.generate(actor, { time_period: history, types: plan.insights, ...(segment ? { customer_segment: segment } : {}) }),
        await deps.analytics.daily(actor, range, segment),
      ];
      const charts: Chart[] = [];
      const points = daily.points;
      if (def.type === 'CUSTOMER_SATISFACTION') {
        const values = points.filter((p) => p.sentimentCount).map((p) => ({ day: p.day, sentiment: p.sentimentSum / p.sentimentCount }));
        charts.push(await renderChart('sentiment-daily', 'Average sentiment per day', lineChart(values, 'day', [{ field: 'sentiment', title: 'sentiment' }], 'score (−1..1)')));
      } else {
        charts.push(
          await renderChart('daily-activity', 'New contacts and deals won per day', lineChart(points.map((p) => ({ ...p })), 'day', [{ field: 'newContacts', title: 'new contacts' }, { field: 'conversions', title: 'deals won' }], 'per day')),
        );
      }
      const bars = (prefix: string) => metrics.metrics.filter((m) => m.key.startsWith(prefix)).map((m) => ({ label: m.name.split(': ').pop() ?? m.name, value: m.value }));
      if (def.type === 'LEAD_PERFORMANCE' || def.type === 'FINANCIAL_METRICS') charts.push(await renderChart('conversion-source', 'Conversion rate by source', barChart(bars('conversion_rate:source='), 'conversion rate', '.0%')));
      if (def.type === 'CAMPAIGN_ANALYSIS') charts.push(await renderChart('conversion-campaign', 'Conversion rate by campaign', barChart(bars('conversion_rate:campaign='), 'conversion rate', '.0%')));
      if (def.type === 'USER_ACTIVITY') charts.push(await renderChart('activity-user', 'Interactions logged per user', barChart(bars('activity:user='), 'interactions')));
      if (def.type === 'SALES_PIPELINE') {
        charts.push(await renderChart('pipeline', 'Contacts by status', barChart(metrics.metrics.filter((m) => m.group === 'pipeline').map((m) => ({ label: m.name.replace('Contacts in ', ''), value: m.value })), 'contacts')));
      }
      if (def.type === 'SALES_PIPELINE' || def.type === 'FINANCIAL_METRICS') {
        try {
          const f = await deps.insights.forecast(actor, { metric: 'conversions', horizon_days: 14 });
          const past = points.slice(-42).map((p) => ({ day: p.day, value: p.conversions }));
          charts.push(await renderChart('forecast', `Deals won: next 14 days (${Math.round(f.level * 100)}% interval)`, forecastChart(past, f.steps, 'deals per day')));
        } catch {
          // Too little history for a forecast: the report goes out without that chart.
        }
      }
      const generatedAt = now();
      const report: AnalyticsReport = {
        id: randomUUID(),
        name: def.name ?? `${plan.title} ${localDate(range.start, timeZone)} – ${localDate(new Date(range.end.getTime() - 1), timeZone)}`,
        type: def.type,
        dateRange: range,
        timeZone,
        filters: def.filters,
        metrics: metrics.metrics,
        insights: insights.insights,
        visualizations: charts,
        schedule: def.schedule,
        recipients: def.recipients,
        createdBy: actor.userId,
        createdAt: generatedAt,
        lastGenerated: generatedAt,
        isPublic: def.isPublic,
        notes: [...(plan.notes ?? []), ...(metrics.scope === 'own' ? ['Scoped to your own contacts and interactions.'] : [])],
      };
      const template = reportNarrative(report);
      report.narrative = template;
      report.narratedBy = 'template';
      if (deps.narrator) {
        try {
          report.narrative = await deps.narrator({ template, facts: reportFacts(report) }, { tenantId: actor.tenantId });
          report.narratedBy = 'model';
        } catch (err) {
          deps.logger?.warn({ report: report.type, reason: (err as Error).message }, 'report narrative from the model rejected; keeping the template');
        }
      }
      return report;
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
