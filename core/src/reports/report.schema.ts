import { z } from 'zod';
import { DateRange, Metric } from '../analytics/analytics.schema.ts';
import { AIInsight } from '../insights/insight.schema.ts';

export const REPORT_TYPES = ['LEAD_PERFORMANCE', 'SALES_PIPELINE', 'CAMPAIGN_ANALYSIS', 'USER_ACTIVITY', 'CUSTOMER_SATISFACTION', 'FINANCIAL_METRICS'] as const;
export const ReportType = z.enum(REPORT_TYPES);
export type ReportType = z.infer<typeof ReportType>;

export const ReportFilter = z
  .object({
    field: z.enum(['source', 'campaign']).describe('contact field the report is limited to'),
    operator: z.literal('eq').default('eq'),
    value: z.string().min(1).max(128),
  })
  .strict();
export type ReportFilter = z.infer<typeof ReportFilter>;

/** Five-field cron (minute hour day-of-month month day-of-week), e.g. "0 7 * * 1" = Mondays 07:00. */
const CRON_FIELD = /^(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?)*$/;
export const ReportSchedule = z
  .object({
    cron: z.string().refine((c) => c.trim().split(/\s+/).length === 5 && c.trim().split(/\s+/).every((f) => CRON_FIELD.test(f)), 'must be a five-field cron expression, e.g. "0 7 * * 1"'),
    timezone: z.string().max(64).default('UTC'),
  })
  .strict();
export type ReportSchedule = z.infer<typeof ReportSchedule>;

/** What a user defines (the design document's AnalyticsReport minus what generation fills in). */
export const ReportDefinition = z
  .object({
    name: z.string().trim().normalize('NFC').min(1).max(200).optional(),
    type: ReportType,
    dateRange: DateRange.optional().describe('default: the 30 days before now'),
    filters: z.array(ReportFilter).max(1, 'one segment filter at most (source or campaign)').default([]),
    schedule: ReportSchedule.optional(),
    recipients: z.array(z.email('must be an email address')).max(50).default([]),
    isPublic: z.boolean().default(false),
  })
  .strict();
export type ReportDefinition = z.input<typeof ReportDefinition>;

export interface Chart {
  id: string;
  title: string;
  /** The vega-lite 5 spec the SVG was rendered from (data inlined). */
  spec: Record<string, unknown>;
  svg: string;
}

/** A generated report in the design document's AnalyticsReport shape. */
export interface AnalyticsReport {
  id: string;
  name: string;
  type: ReportType;
  /** `end` is exclusive (the local midnight after the last day). */
  dateRange: { start: Date; end: Date };
  /** The tenant's IANA time zone: the period's days are its calendar days. Default UTC. */
  timeZone?: string;
  filters: ReportFilter[];
  metrics: Metric[];
  insights: AIInsight[];
  visualizations: Chart[];
  schedule?: ReportSchedule;
  recipients: string[];
  createdBy: string;
  createdAt: Date;
  lastGenerated: Date;
  isPublic: boolean;
  /** Notes on what the data can and cannot say (e.g. no deal values stored). */
  notes: string[];
  /** A few sentences over the statistics (set by the report service; `reportNarrative` is the template). */
  narrative?: string;
  /** Who wrote the narrative: the template, or the configured chat model (numbers checked against the report). */
  narratedBy?: 'template' | 'model';
}
