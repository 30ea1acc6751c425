import { z } from 'zod';
import { endOfBound, isoDate } from '../errors/safe-input.schema.ts';

/** Who a saved report is emailed to: the tenant's active managers and admins (never a free-form address). */
export const REPORT_RECIPIENT_ROLES = ['ADMIN', 'SALES_MANAGER', 'MARKETING_MANAGER'] as const;

export const SaveReportInput = z
  .object({
    kind: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be snake_case, e.g. pipeline_digest'),
    slotKey: z.string().trim().min(1, 'slotKey is required').max(100, 'must be at most 100 characters'),
    title: z.string().trim().normalize('NFC').min(1, 'title is required').max(200, 'must be at most 200 characters'),
    // read in the tenant's zone like every period (a date-only end includes its day); `z.coerce.date`
    // read an offset-less time in the server's zone and "01/11/2026" as 11 January
    periodStart: isoDate(),
    periodEnd: isoDate(),
    body: z.string().trim().min(1, 'body is required').max(50_000, 'must be at most 50,000 characters'),
    data: z.record(z.string(), z.unknown()).default({}),
    emailManagers: z.boolean().default(false),
  })
  .strict()
  .refine((v) => !(v.periodStart instanceof Date && v.periodEnd instanceof Date) || v.periodStart.getTime() < endOfBound(v.periodEnd), {
    message: 'periodStart must be before periodEnd',
    path: ['periodStart'],
  });
export type SaveReportInput = z.input<typeof SaveReportInput>;

export interface SavedReport {
  id: string;
  kind: string;
  slotKey: string;
  title: string;
  periodStart: Date;
  periodEnd: Date;
  body: string;
  data: Record<string, unknown>;
  createdBy: string | null;
  createdVia: string | null;
  recipients: string[];
  emailedAt: Date | null;
  createdAt: Date;
}
