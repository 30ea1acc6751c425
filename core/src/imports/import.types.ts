import { z } from 'zod';
import type { CsvEncoding } from '../csv/csv-encoding.ts';
import type { DateOrder } from '../csv/date-order.ts';

/** One line about a column whose cells were not imported, as `crm import` and the MCP summary print it. */
export function describeIgnoredColumn(c: ImportReport['ignoredColumns'][number]): string {
  // a column without a header has only its reason (which names its position)
  return c.header === '' ? c.reason : `column ${c.column} "${c.header}" (${c.reason})`;
}

/** What an import answers (`crm import --json`, MCP `import_contacts`, REST `POST /contacts/import`). */
export const ImportReportSchema = z.object({
  kind: z.enum(['contacts', 'interactions']),
  delimiter: z.string(),
  mappedColumns: z.array(z.object({ header: z.string(), field: z.string() })),
  customColumns: z.array(z.string()).describe('Columns kept as custom fields'),
  ignoredColumns: z
    .array(z.object({ column: z.number().int(), header: z.string(), reason: z.string() }))
    .describe('Columns whose cells were not imported (numbered from 1), e.g. one without a header, with the reason'),
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int().describe('Rows matching a contact that would change nothing (nothing written)'),
  skipped: z.number().int(),
  failed: z.number().int(),
  errors: z
    .array(z.object({ path: z.string(), reason: z.string(), row: z.number().int().optional() }))
    .describe('One entry per bad field: row (as a spreadsheet numbers it), field path, reason'),
  errorsTruncated: z.boolean(),
  warnings: z
    .array(z.object({ path: z.string(), reason: z.string(), row: z.number().int().optional() }))
    .describe('Rows that were imported but not exactly as given (e.g. an unknown status kept as custom field importedStatus): row, field, reason'),
  warningsTruncated: z.boolean(),
});
export type ImportReport = z.infer<typeof ImportReportSchema>;

/**
 * Read by the import only once the whole file has been saved (before its first row is written),
 * so a caller may still complete them while the stream is being written: the REST form upload sets
 * the fields that arrive after the file part.
 */
export interface ImportOptions {
  batchSize?: number;
  /** Batches written side by side (contacts only; default 2 on a server, 1 on PGlite). */
  lanes?: number;
  maxErrors?: number;
  onProgress?: (rowsDone: number) => void;
  /** Read slashed dates in every date column this way (`--date-format`), overriding detection and locale. */
  dateFormat?: DateOrder;
  /** Decides date columns that fit both day/month orders; default the tenant's locale (tenants.locale). */
  locale?: string;
  /** The file's encoding (`--encoding`, REST `charset`): UTF-8 by default, or Windows-1252 (Excel's plain "CSV" on Windows). */
  encoding?: CsvEncoding;
}
