import type { Readable } from 'node:stream';
import { AppError, type FieldIssue } from '../errors/app-error.ts';
import { openCsv, type CsvDelimiter, type CsvReadOptions } from './csv-reader.ts';
import { headerAliases, type HeaderMapping } from './header-map.ts';

/** One converted CSV row: the value, or every bad field of it. */
export type RowResult<V> = { row: number; ok: true; value: V } | { row: number; ok: false; issues: FieldIssue[] };

export interface RowReadOptions<F extends string> extends CsvReadOptions {
  /** Called once with the header mapping before the first row, e.g. for the CLI to print it. */
  onMapping?: (mapping: HeaderMapping<F>) => void;
}

export interface MappedRows<F extends string, V> {
  mapping: HeaderMapping<F>;
  delimiter: CsvDelimiter;
  rows: AsyncGenerator<RowResult<V>, void, undefined>;
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
    convert: (cells: readonly string[], mapping: HeaderMapping<F>, row: number) => RowResult<V>;
  },
): Promise<MappedRows<F, V>> {
  const table = await openCsv(stream, opts);
  const mapping = spec.map(table.header);
  try {
    requireColumn(mapping, spec.required, table.header);
  } catch (err) {
    await table.records.return();
    throw err;
  }
  async function* rows(): AsyncGenerator<RowResult<V>, void, undefined> {
    for await (const record of table.records) {
      if (!record.ok) {
        yield { row: record.row, ok: false, issues: [record.issue] };
        continue;
      }
      // PostgreSQL text cannot hold NUL: report the cell instead of failing the whole batch
      const nul = record.cells.flatMap((cell, c) =>
        cell.includes('\u0000') ? [{ path: table.header[c] || `column ${c + 1}`, reason: 'contains a NUL (\\u0000) character', row: record.row }] : [],
      );
      if (nul.length) yield { row: record.row, ok: false, issues: nul };
      else yield spec.convert(record.cells, mapping, record.row);
    }
  }
  return { mapping, delimiter: table.delimiter, rows: rows() };
}
