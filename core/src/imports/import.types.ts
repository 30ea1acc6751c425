import type { DateOrder } from '../csv/date-order.ts';
import type { FieldIssue } from '../errors/app-error.ts';

/** One line about a column whose cells were not imported, as `crm import` and the MCP summary print it. */
export function describeIgnoredColumn(c: ImportReport['ignoredColumns'][number]): string {
  // a column without a header has only its reason (which names its position)
  return c.header === '' ? c.reason : `column ${c.column} "${c.header}" (${c.reason})`;
}

export interface ImportReport {
  kind: 'contacts' | 'interactions';
  delimiter: string;
  mappedColumns: { header: string; field: string }[];
  customColumns: string[];
  /** Columns whose cells were not imported (no header, our own ids), numbered from 1, with the reason. */
  ignoredColumns: { column: number; header: string; reason: string }[];
  rows: number;
  created: number;
  updated: number;
  /** Rows that matched a contact and would change nothing: nothing written for them. */
  unchanged: number;
  skipped: number;
  failed: number;
  /** One entry per bad field: row number (as a spreadsheet shows it), field, reason. Capped at maxErrors. */
  errors: FieldIssue[];
  errorsTruncated: boolean;
}

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
}
