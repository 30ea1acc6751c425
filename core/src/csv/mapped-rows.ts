import type { Readable } from 'node:stream';
import { AppError, type FieldIssue } from '../errors/app-error.ts';
import { openCsv, type CsvDelimiter, type CsvReadOptions, type CsvRecord } from './csv-reader.ts';
import { dateEvidence, decideDateOrder, type DateOrder, type DateOrderChoice } from './date-order.ts';
import { extraColumnsTarget, headerAliases, type HeaderMapping } from './header-map.ts';

/** One converted CSV row: the value, or every bad field of it. */
/** `warnings`: what a row that still lands did not keep as given (an unknown status kept as a custom field). */
export type RowResult<V> = { row: number; ok: true; value: V; warnings?: FieldIssue[] } | { row: number; ok: false; issues: FieldIssue[] };

/** Per date field, how its slashed dates are read (decided once per file). */
export type DateOrders<F extends string> = Partial<Record<F, DateOrder>>;

/** Rows read ahead to decide each date column's day/month order before the first row is converted. */
const DATE_LOOKAHEAD = 5000;

export interface RowReadOptions<F extends string> extends CsvReadOptions {
  /** Called once with the header mapping before the first row, e.g. for the CLI to print it. */
  onMapping?: (mapping: HeaderMapping<F>) => void;
}

/** A column whose cells were not imported, numbered from 1 as a spreadsheet shows it. */
export interface IgnoredColumn {
  column: number;
  header: string;
  reason: string;
}

export interface MappedRows<F extends string, V> {
  mapping: HeaderMapping<F>;
  delimiter: CsvDelimiter;
  rows: AsyncGenerator<RowResult<V>, void, undefined>;
  /** The columns not imported and why; a column without a header says how many cells it lost (final once `rows` is done). */
  ignoredColumns(): IgnoredColumn[];
}

/** Throws when no column provides a field every row needs: each row would fail the same way. */
export function requireColumn(mapping: HeaderMapping, field: string, header: readonly string[]): void {
  if (!mapping.missing.includes(field)) return;
  const accepted = headerAliases(mapping.kind, field).join('", "');
  const reason =
    `no ${field} column: accepted headers are "${accepted}" (any case, spaces or underscores); ` +
    `the header row read was "${header.join('", "')}"`;
  throw AppError.validation([{ path: field, reason, row: 1 }], `CSV file rejected — ${reason}`);
}

/**
 * Open a CSV, map its header to fields, refuse it when the `required` field has no column, and
 * convert each record lazily. Malformed records come back as `ok: false` with the reader's issue.
 */
export async function openMappedRows<F extends string, V>(
  stream: Readable | AsyncIterable<Uint8Array | string>,
  opts: CsvReadOptions,
  spec: {
    map: (header: readonly string[]) => HeaderMapping<F>;
    required: F;
    convert: (cells: readonly string[], mapping: HeaderMapping<F>, row: number, dates: DateOrders<F>, timeZone: string) => RowResult<V>;
    /** Fields holding dates: each column's day/month order is decided from the first rows. */
    dateFields?: readonly F[];
  },
): Promise<MappedRows<F, V>> {
  const table = await openCsv(stream, opts);
  const mapping = spec.map(table.header);
  const ahead: CsvRecord[] = [];
  const dates: DateOrders<F> = {};
  try {
    requireColumn(mapping, spec.required, table.header);
    const dateColumns = (spec.dateFields ?? []).flatMap((field) => (mapping.columns[field] ?? []).map((index) => ({ field, index })));
    if (dateColumns.length) {
      while (ahead.length < DATE_LOOKAHEAD) {
        const next = await table.records.next();
        if (next.done) break;
        ahead.push(next.value);
      }
      const choice: DateOrderChoice = { override: opts.dateFormat, locale: opts.locale };
      for (const { field, index } of dateColumns) {
        const order = decideDateOrder(table.header[index] || field, dateEvidence(ahead.map((r) => r.cells[index] ?? '')), choice);
        // Two columns feeding one field (a fallback) must agree; the first decides.
        if (order && !dates[field]) dates[field] = order;
      }
    }
  } catch (err) {
    await table.records.return();
    throw err;
  }
  async function* all(): AsyncGenerator<CsvRecord, void, undefined> {
    yield* ahead;
    ahead.length = 0;
    yield* table.records;
  }
  // a column without a header has no name to keep its cells under: count what it held, for the report
  const unnamed = new Map(mapping.unmapped.filter((u) => u.action === 'ignored' && u.header === '').map((u) => [u.index, 0]));
  async function* rows(): AsyncGenerator<RowResult<V>, void, undefined> {
    for await (const record of all()) {
      if (!record.ok) {
        yield { row: record.row, ok: false, issues: [record.issue] };
        continue;
      }
      for (const [index, filled] of unnamed) if (record.cells[index]?.trim()) unnamed.set(index, filled + 1);
      // PostgreSQL text cannot hold NUL: report the cell instead of failing the whole batch
      const nul = record.cells.flatMap((cell, c) =>
        cell.includes('\u0000') ? [{ path: table.header[c] || `column ${c + 1}`, reason: 'contains a NUL (\\u0000) character', row: record.row }] : [],
      );
      if (nul.length) yield { row: record.row, ok: false, issues: nul };
      else yield spec.convert(record.cells, mapping, record.row, dates, opts.timeZone ?? 'UTC');
    }
  }
  const keptIn = extraColumnsTarget(mapping.kind);
  const ignoredColumns = () =>
    mapping.unmapped
      .filter((u) => u.action === 'ignored')
      .map((u) => {
        const column = u.index + 1;
        const filled = unnamed.get(u.index);
        if (filled === undefined) return { column, header: u.header, reason: u.reason };
        const reason =
          filled === 0
            ? `column ${column} has no header and no values; ignored`
            : `column ${column} has no header; its ${filled} non-empty ${filled === 1 ? 'cell was' : 'cells were'} not imported ` +
              `(give the column a header to keep its cells in ${keptIn})`;
        return { column, header: '', reason };
      });
  return { mapping, delimiter: table.delimiter, rows: rows(), ignoredColumns };
}
