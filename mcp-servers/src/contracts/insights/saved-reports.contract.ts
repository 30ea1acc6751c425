import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';
import { IsoDateInput, IsoDateTime } from '../crm-data/common.contract.ts';

const Kind = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be snake_case, e.g. pipeline_digest');

const SavedReportOut = z.object({
  id: z.uuid(),
  kind: z.string(),
  slotKey: z.string(),
  title: z.string(),
  periodStart: IsoDateTime,
  periodEnd: IsoDateTime,
  body: z.string(),
  data: z.record(z.string(), z.unknown()).describe('The tool results the text was written from'),
  createdBy: z.uuid().nullable(),
  createdVia: z.string().nullable().describe('e.g. agent:digest'),
  recipients: z.array(z.string()).describe('Managers and admins it was emailed to'),
  emailedAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
});

export const SaveReport = {
  name: 'save_report',
  input: z
    .object({
      kind: Kind.describe('What it is, e.g. pipeline_digest'),
      slot_key: z.string().min(1).max(100).describe('One report per kind and slot (e.g. the week it covers): saving the same slot again returns the stored one'),
      title: z.string().min(1).max(200).describe('Also the email subject'),
      period: z.object({ start: IsoDateInput, end: IsoDateInput }).strict(),
      body: z.string().min(1).max(50_000).describe('Plain text'),
      data: z.record(z.string(), z.unknown()).optional().describe('The figures behind the text, kept with it'),
      email_managers: z.boolean().optional().describe("Also email it to the tenant's active managers and admins (once per slot); default false"),
    })
    .strict(),
  output: z.object({ report: SavedReportOut, duplicate: z.boolean(), emailed: z.array(z.string()) }),
} satisfies ToolContract;

/** A listed report's text; a digest is ~1,500 characters, but save_report takes 50,000 and 20 are listed by default. */
export const SAVED_REPORT_LIST_CHARS = 2000;

export const ListSavedReports = {
  name: 'list_saved_reports',
  input: z
    .object({
      kind: Kind.optional().describe('Only this kind, e.g. pipeline_digest'),
      limit: z.number().int().min(1).max(100).default(20),
    })
    .strict(),
  output: z.object({
    reports: z
      .array(
        SavedReportOut.omit({ data: true }).extend({
          body: z.string().describe(`The text, cut at ${SAVED_REPORT_LIST_CHARS.toLocaleString('en-US')} characters (marked); get_saved_report has it whole, with the figures behind it`),
        }),
      )
      .describe('Newest period first'),
  }),
} satisfies ToolContract;

export const GetSavedReport = {
  name: 'get_saved_report',
  input: z.object({ id: z.uuid('must be a saved report id (UUID)') }).strict(),
  output: SavedReportOut,
} satisfies ToolContract;
