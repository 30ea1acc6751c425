import type { FieldIssue } from '../errors/app-error.ts';
import type { HeaderMapping } from '../csv/index.ts';
import type { ImportReport } from './import.types.ts';

export function toMappedColumns(mapping: HeaderMapping<string>): Pick<ImportReport, 'mappedColumns' | 'customColumns'> {
  return {
    mappedColumns: mapping.mapped.map((m) => ({ header: m.header, field: m.field })),
    customColumns: mapping.unmapped.filter((u) => u.action !== 'ignored').map((u) => u.header),
  };
}

export function newReport(kind: ImportReport['kind'], delimiter: string, cols: Pick<ImportReport, 'mappedColumns' | 'customColumns'>): ImportReport {
  return { kind, delimiter, ...cols, ignoredColumns: [], rows: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, errors: [], errorsTruncated: false, warnings: [], warningsTruncated: false };
}

export function pushIssues(report: ImportReport, row: number, issues: FieldIssue[], maxErrors = 1000): void {
  report.failed++;
  for (const issue of issues) {
    if (report.errors.length >= maxErrors) {
      report.errorsTruncated = true;
      return;
    }
    report.errors.push({ ...issue, row });
  }
}

/** A landing row's warnings (not failures), capped like errors. */
export function pushWarnings(report: ImportReport, warnings: readonly FieldIssue[] | undefined, maxWarnings = 1000): void {
  for (const w of warnings ?? []) {
    if (report.warnings.length >= maxWarnings) {
      report.warningsTruncated = true;
      return;
    }
    report.warnings.push(w);
  }
}

/**
 * Errors in row order: a row's own problems are found while parsing, but some (an unknown contact
 * email) only when its batch is written, after later rows were parsed.
 */
export function finishReport(report: ImportReport): ImportReport {
  report.errors.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  return report;
}
