import { z } from 'zod';
import { ReportFilter, ReportSchedule, ReportType } from './report.schema.ts';

export const REPORT_FORMATS = ['html', 'csv'] as const;

const Recipients = z.array(z.email('must be an email address')).min(1, 'at least one recipient').max(50, 'at most 50 recipients');

/** A stored report definition that is emailed on its schedule. */
export const CreateReportScheduleInput = z
  .object({
    name: z.string().trim().normalize('NFC').min(1, 'must not be empty').max(200),
    type: ReportType,
    filters: z.array(ReportFilter).max(1, 'one segment filter at most (source or campaign)').default([]),
    periodDays: z.number().int().min(1).max(366).default(7).describe('each run reports on the days before it'),
    schedule: ReportSchedule,
    recipients: Recipients,
    format: z.enum(REPORT_FORMATS).default('html').describe('html: HTML mail with inline PNG charts; csv: the metrics as a CSV attachment (charts attached as PNG)'),
    enabled: z.boolean().default(true),
  })
  .strict();
export type CreateReportScheduleInput = z.input<typeof CreateReportScheduleInput>;

export const UpdateReportScheduleInput = z
  .object({
    name: z.string().trim().normalize('NFC').min(1, 'must not be empty').max(200).optional(),
    filters: z.array(ReportFilter).max(1, 'one segment filter at most (source or campaign)').optional(),
    periodDays: z.number().int().min(1).max(366).optional(),
    schedule: ReportSchedule.optional(),
    recipients: Recipients.optional(),
    format: z.enum(REPORT_FORMATS).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type UpdateReportScheduleInput = z.input<typeof UpdateReportScheduleInput>;

/** A stored schedule as every transport answers it (REST documents it; MCP and the CLI print it). */
export const StoredReportScheduleSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  type: ReportType,
  filters: z.array(ReportFilter),
  periodDays: z.number().int(),
  schedule: z.object({ cron: z.string(), timezone: z.string() }),
  recipients: z.array(z.string()),
  format: z.enum(REPORT_FORMATS),
  enabled: z.boolean(),
  createdBy: z.uuid(),
  nextRunAt: z.date(),
  lastRunAt: z.date().nullable(),
  lastStatus: z.enum(['running', 'succeeded', 'failed']).nullable(),
  lastError: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type StoredReportSchedule = z.infer<typeof StoredReportScheduleSchema>;
