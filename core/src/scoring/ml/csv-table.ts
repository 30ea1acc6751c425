import { readFile } from 'node:fs/promises';
import { DatasetError } from './dataset-error.ts';

/** A CSV as exported by a spreadsheet or CRM: header names plus one string array per column. */
export interface CsvTable {
  readonly header: string[];
  /** columns[c][r] is the raw (untrimmed) cell of data row r in column c. */
  readonly columns: string[][];
  readonly rowCount: number;
  readonly delimiter: CsvDelimiter;
}

export type CsvDelimiter = ',' | ';' | '\t' | '|';
const CANDIDATES: CsvDelimiter[] = [',', ';', '\t', '|'];

/** Where a CSV comes from: a file path, or the text itself. A bare string is text when it holds a line break. */
export type CsvSource = string | { path: string } | { text: string };

export interface ParseCsvOptions {
  delimiter?: CsvDelimiter;
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * RFC 4180 with the leniency exports need: quoted fields may hold delimiters, doubled quotes and
 * line breaks; CRLF, LF or lone CR end a record; a quote inside an unquoted field is literal.
 * Calls `onRecord` per record and stops early when it returns false.
 */
export function scanRecords(text: string, delimiter: string, onRecord: (fields: string[]) => boolean | void): void {
  const delim = delimiter.charCodeAt(0);
  const n = text.length;
  let i = 0;
  let fields: string[] = [];
  while (i <= n) {
    if (i === n) {
      // A final record without a trailing newline (an empty remainder after a newline is no record).
      if (fields.length > 0) onRecord(fields);
      return;
    }
    let value: string;
    if (text.charCodeAt(i) === QUOTE) {
      let out = '';
      let start = ++i;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          out += text.slice(start, n); // unterminated quote: take the rest rather than lose data
          i = n;
          break;
        }
        if (text.charCodeAt(q + 1) === QUOTE) {
          out += text.slice(start, q + 1);
          i = start = q + 2;
          continue;
        }
        out += text.slice(start, q);
        i = q + 1;
        break;
      }
      // Text between the closing quote and the delimiter is kept, as spreadsheets do.
      const restStart = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === delim || c === LF || c === CR) break;
        i++;
      }
      value = restStart < i ? out + text.slice(restStart, i) : out;
    } else {
      const start = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === delim || c === LF || c === CR) break;
        i++;
      }
      value = text.slice(start, i);
    }
    fields.push(value);
    if (i >= n) {
      onRecord(fields);
      return;
    }
    const c = text.charCodeAt(i);
    if (c === delim) {
      i++;
      if (i === n) {
        fields.push('');
        onRecord(fields);
        return;
      }
      continue;
    }
    // End of record.
    i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    if (onRecord(fields) === false) return;
    fields = [];
  }
}

/**
 * Pick the delimiter whose header splits into the most fields and whose next lines agree with
 * the header's field count (quotes respected, so "Smith, John" does not count).
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const sample = text.length > 65_536 ? text.slice(0, 65_536) : text;
  let best: CsvDelimiter = ',';
  let bestScore = -1;
  for (const d of CANDIDATES) {
    const counts: number[] = [];
    scanRecords(sample, d, (fields) => {
      if (!(fields.length === 1 && fields[0] === '')) counts.push(fields.length);
      return counts.length < 30;
    });
    if (counts.length === 0 || counts[0] < 2) continue;
    // The sample may cut the last record in half, so it does not vote.
    const body = counts.length > 2 ? counts.slice(1, -1) : counts.slice(1);
    const agree = body.length === 0 ? 1 : body.filter((c) => c === counts[0]).length / body.length;
    const score = agree * 1000 + Math.min(counts[0], 999);
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

const NUMERIC_HEADER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** Parse CSV text (BOM, CRLF and the delimiter handled) into a column-oriented table. */
export function parseCsv(input: string, options: ParseCsvOptions = {}): CsvTable {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (text.trim() === '') throw new DatasetError('csv', 'the file is empty');
  const delimiter = options.delimiter ?? detectDelimiter(text);
  // Held in an object: the record callback assigns them, which local `let` narrowing cannot see.
  const state: { header: string[] | null; error: DatasetError | null } = { header: null, error: null };
  let columns: string[][] = [];
  let rowCount = 0;
  scanRecords(text, delimiter, (fields) => {
    const header = state.header;
    if (fields.length === 1 && fields[0].trim() === '' && (header === null || header.length > 1)) return; // blank line
    if (header === null) {
      state.header = normaliseHeader(fields);
      columns = state.header.map(() => []);
      return;
    }
    rowCount++;
    const width = header.length;
    if (fields.length > width) {
      const extra = fields.slice(width);
      if (extra.some((f) => f.trim() !== '')) {
        state.error = new DatasetError(
          'csv',
          `row ${rowCount} has ${fields.length} fields but the header has ${width}; check quoting of values that contain "${delimiter === '\t' ? '\\t' : delimiter}"`,
          rowCount,
        );
        return false;
      }
    }
    for (let c = 0; c < width; c++) columns[c].push(c < fields.length ? fields[c] : '');
  });
  if (state.error) throw state.error;
  const names = state.header;
  if (names === null || names.every((h, i) => h === `column_${i + 1}`)) {
    throw new DatasetError('csv', 'no header row: the first line must name the columns');
  }
  if (names.length > 1 && names.every((h) => NUMERIC_HEADER.test(h))) {
    throw new DatasetError('csv', `no header row: the first line (${names.slice(0, 3).join(', ')}, ...) looks like data, not column names`);
  }
  if (rowCount === 0) throw new DatasetError('csv', 'the file has a header but no data rows');
  return { header: names, columns, rowCount, delimiter };
}

function normaliseHeader(fields: string[]): string[] {
  const seen = new Map<string, number>();
  return fields.map((raw, i) => {
    let name = raw.trim() || `column_${i + 1}`;
    const count = seen.get(name) ?? 0;
    seen.set(name, count + 1);
    if (count > 0) name = `${name}_${count + 1}`;
    return name;
  });
}

/** Read a CSV from a path or take it as text. */
export async function loadCsvText(source: CsvSource): Promise<string> {
  if (typeof source === 'object' && 'text' in source) return source.text;
  if (typeof source === 'string' && /[\r\n]/.test(source)) return source;
  const path = typeof source === 'string' ? source : source.path;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError('csv', code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path} (${code ?? 'error'})`);
  }
}

/** `loadCsvText` + `parseCsv`. */
export async function readCsv(source: CsvSource, options: ParseCsvOptions = {}): Promise<CsvTable> {
  return parseCsv(await loadCsvText(source), options);
}
