import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { openCsv, type CsvDelimiter } from '../../csv/csv-reader.ts';
import { AppError } from '../../errors/app-error.ts';
import { DatasetError } from './dataset-error.ts';

/** A CSV as exported by a spreadsheet or CRM: header names plus one string array per column. */
export interface CsvTable {
  readonly header: string[];
  /** columns[c][r] is the raw (untrimmed) cell of data row r in column c. */
  readonly columns: string[][];
  readonly rowCount: number;
  readonly delimiter: CsvDelimiter;
}

export type { CsvDelimiter };

/** Where a CSV comes from: a file path, or the text itself. A bare string is text when it holds a line break. */
export type CsvSource = string | { path: string } | { text: string };

export interface ReadCsvOptions {
  delimiter?: CsvDelimiter;
}

const NUMERIC_HEADER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

async function open(source: CsvSource): Promise<Readable> {
  if (typeof source === 'object' && 'text' in source) return Readable.from([Buffer.from(source.text, 'utf8')]);
  if (typeof source === 'string' && /[\r\n]/.test(source)) return Readable.from([Buffer.from(source, 'utf8')]);
  const path = typeof source === 'string' ? source : source.path;
  try {
    await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError('csv', code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path} (${code ?? 'error'})`);
  }
  return createReadStream(path);
}

/** The import reader's refusals (encoding, delimiter, quotes, header) in this library's error type. */
function asDatasetError(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  const issue = Array.isArray(err.details) ? err.details[0] : undefined;
  const reason = issue?.reason ?? err.message;
  return new DatasetError(issue?.path === 'file' || !issue ? 'csv' : `csv.${issue.path}`, reason, issue?.row === undefined ? undefined : Math.max(1, issue.row - 1));
}

function normaliseHeader(fields: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return fields.map((raw, i) => {
    let name = raw.trim() || `column_${i + 1}`;
    const count = seen.get(name) ?? 0;
    seen.set(name, count + 1);
    if (count > 0) name = `${name}_${count + 1}`;
    return name;
  });
}

/**
 * Read a CSV into columns with the same reader as contact and activity imports (csv-parse,
 * streamed from disk, strict UTF-8, BOM, delimiter detection, quote checks), so a file import
 * refuses is refused here too. On top: a header of numbers is refused as a missing header, a row
 * with a different number of cells than the header is refused naming the row (a model cannot
 * skip it silently the way an import reports it), and duplicate header names get a suffix.
 */
export async function readCsv(source: CsvSource, options: ReadCsvOptions = {}): Promise<CsvTable> {
  const stream = await open(source);
  try {
    const table = await openCsv(stream, { delimiter: options.delimiter });
    const header = normaliseHeader(table.header);
    if (header.length > 1 && header.every((h) => NUMERIC_HEADER.test(h))) {
      await table.records.return();
      throw new DatasetError('csv', `no header row: the first line (${header.slice(0, 3).join(', ')}, ...) looks like data, not column names`);
    }
    const columns: string[][] = header.map(() => []);
    let rowCount = 0;
    for await (const record of table.records) {
      if (!record.ok) {
        await table.records.return();
        throw new DatasetError('csv', `row ${record.row} (counting the header as row 1): ${record.issue.reason}; check quoting of values that contain the delimiter`, record.row - 1);
      }
      for (let c = 0; c < header.length; c++) columns[c].push(record.cells[c]);
      rowCount++;
    }
    if (rowCount === 0) throw new DatasetError('csv', 'the file has a header but no data rows');
    return { header, columns, rowCount, delimiter: table.delimiter };
  } catch (err) {
    stream.destroy();
    throw asDatasetError(err);
  }
}
