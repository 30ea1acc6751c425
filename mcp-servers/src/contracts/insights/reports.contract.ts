import { AIInsight, Metric, REPORT_FORMATS, REPORT_TYPES, ReportFilter, ReportSchedule, StoredReportScheduleSchema } from '@crm/core/contracts';
import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';
import { IsoDateTime } from '../crm-data/common.contract.ts';
import { DateRangeIn } from './insights.contract.ts';

const ReportTypeIn = z.enum(REPORT_TYPES).describe(`Report type: ${REPORT_TYPES.join(', ')}`);
const Filters = z.array(ReportFilter).max(1, 'one segment filter at most (source or campaign)').describe('Limit to one segment, e.g. [{"field":"source","value":"webinar"}]');

export const RunReport = {
  name: 'run_report',
  input: z
    .object({
      type: ReportTypeIn,
      date_range: DateRangeIn.optional().describe('Period to report on; default the 30 days before now, compared with the period before it'),
      filters: Filters.optional(),
      include_html: z.boolean().optional().describe('Also embed the full HTML report (inline SVG charts) as a resource; default false (a crm://reports link is always returned)'),
    })
    .strict(),
  output: z.object({
    id: z.string(),
    name: z.string(),
    type: z.enum(REPORT_TYPES),
    date_range: z.object({ start: IsoDateTime, end: IsoDateTime }),
    filters: z.array(ReportFilter),
    narrative: z.string().describe('What the numbers say, in a few sentences: template text over the statistics, or written by the configured chat model from them (every number checked against the report)'),
    narrated_by: z.enum(['template', 'model']).describe('Who wrote the narrative'),
    metrics: z.array(Metric),
    insights: z.array(AIInsight.extend({ createdAt: IsoDateTime })),
    charts: z.array(z.object({ id: z.string(), title: z.string(), spec: z.record(z.string(), z.unknown()).describe('vega-lite 5 spec with data inlined') })),
    notes: z.array(z.string()),
    resource_uri: z.string().describe('crm://reports/{type}: the HTML report for the default period'),
  }),
} satisfies ToolContract;

/** The stored schedule core answers (one shape for REST, MCP and the CLI), dates as ISO strings. */
const ScheduleOut = StoredReportScheduleSchema.extend({
  nextRunAt: IsoDateTime,
  lastRunAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});

export const CreateReportSchedule = {
  name: 'create_report_schedule',
  input: z
    .object({
      name: z.string().min(1).max(200).describe('Unique name, also the email subject'),
      type: ReportTypeIn,
      schedule: ReportSchedule.describe('cron (five fields, e.g. "0 7 * * 1" = Mondays 07:00) and IANA time zone (default UTC)'),
      recipients: z.array(z.email('must be an email address')).min(1).max(50).describe('Who receives the report by email'),
      period_days: z.number().int().min(1).max(366).optional().describe('Each run reports on the days before it; default 7'),
      filters: Filters.optional(),
      format: z.enum(REPORT_FORMATS).optional().describe('html (default): HTML mail with inline PNG charts; csv: text mail with the metrics CSV'),
    })
    .strict(),
  output: ScheduleOut,
} satisfies ToolContract;

export const UpdateReportSchedule = {
  name: 'update_report_schedule',
  input: z
    .object({
      id: z.uuid('must be a report schedule id (UUID)').describe('Id from list_report_schedules'),
      name: z.string().min(1).max(200).optional(),
      schedule: ReportSchedule.optional().describe('A new cron/time zone recomputes the next run'),
      recipients: z.array(z.email('must be an email address')).min(1).max(50).optional(),
      period_days: z.number().int().min(1).max(366).optional(),
      filters: Filters.optional(),
      format: z.enum(REPORT_FORMATS).optional(),
      enabled: z.boolean().optional().describe('false pauses the schedule'),
    })
    .strict(),
  output: ScheduleOut,
} satisfies ToolContract;

export const ListReportSchedules = {
  name: 'list_report_schedules',
  input: z.object({}).strict(),
  output: z.object({ schedules: z.array(ScheduleOut) }),
} satisfies ToolContract;

export const RunReportScheduleNow = {
  name: 'run_report_schedule_now',
  input: z.object({ id: z.uuid('must be a report schedule id (UUID)').describe('Id from list_report_schedules') }).strict(),
  output: z.object({ scheduleId: z.uuid(), status: z.enum(['succeeded', 'failed']), sent: z.number().int(), error: z.string().optional() }),
} satisfies ToolContract;

export const DeleteReportSchedule = {
  name: 'delete_report_schedule',
  input: z.object({ id: z.uuid('must be a report schedule id (UUID)').describe('Id from list_report_schedules') }).strict(),
  output: z.object({ id: z.uuid(), deleted: z.literal(true) }),
} satisfies ToolContract;
