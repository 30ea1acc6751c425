import { Readable, pipeline } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { AppError, type FieldIssue } from '../errors/app-error.ts';
import type { DateOrder } from './date-order.ts';

export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

export interface CsvReadOptions {
  /** Skip detection and require this delimiter (a header using another one is rejected). */
  delimiter?: CsvDelimiter;
  /** Longest record in characters; guards memory against a runaway quote. Default 1,000,000. */
  maxRecordSize?: number;
  /** How slashed dates are read in every date column (`--date-format`), overriding detection. */
  dateFormat?: DateOrder;
  /** Locale (e.g. the tenant's en-GB) deciding date columns whose values fit both day/month orders. */
  locale?: string;
  /** IANA zone that dates without an offset are read in (the tenant's); default UTC. */
  timeZone?: string;
}

/**
 * One data record. `row` is what a spreadsheet shows: the header is row 1, the first data record
 * row 2, and a quoted multi-line cell still counts as one row.
 */
export type CsvRecord =
  | { row: number; ok: true; cells: string[] }
  | { row: number; ok: false; cells: string[]; issue: FieldIssue };

export interface CsvTable {
  header: string[];
  delimiter: CsvDelimiter;
  records: AsyncGenerator<CsvRecord, void, undefined>;
}

type ByteSource = AsyncIterable<Uint8Array | string>;

const HEADER_SCAN_LIMIT = 1 << 20;
/** The one-cell lines a Salesforce report export ends with: not data, never a row error. */
const SALESFORCE_FOOTER = [
  /^Grand Totals? \([\d,. ]+ records?\)$/i,
  /^Confidential Information - Do Not Distribute$/i,
  /^Copyright \(c\) [\d-]+ salesforce\.com, inc\. All rights reserved\.$/i,
];
const EMAIL_LIKE = /^[^\s@"]+@[^\s@"]+\.[^\s@"]+$/;

export const delimiterName = (d: string): string =>
  ({ ',': 'comma (,)', ';': 'semicolon (;)', '\t': 'tab', '|': 'pipe (|)' })[d] ?? `"${d}"`;

function invalid(reason: string, path = 'file', row?: number): AppError {
  const issue: FieldIssue = row === undefined ? { path, reason } : { path, reason, row };
  return AppError.validation([issue], `CSV file rejected — ${reason}`);
}

/** Number of leading bytes that form complete UTF-8 sequences; the rest waits for the next chunk. */
function completeLength(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= Math.max(0, bytes.length - 4); i--) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return bytes.length - i < need ? i : bytes.length;
  }
  return bytes.length;
}

const countNewlines = (text: string): number => {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
};

/** Binary-search the first byte a fatal decoder rejects, only on the error path. */
function locateInvalidByte(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}

function encodingError(bytes: Uint8Array, linesBefore: number): AppError {
  // The first rejected byte may end a sequence whose lead byte came earlier: point at the lead.
  const rejected = locateInvalidByte(bytes);
  const at = completeLength(bytes.subarray(0, rejected));
  const prefix = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
  const line = linesBefore + countNewlines(prefix) + 1;
  const hex = [...bytes.subarray(at, at + 2)].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');
  return invalid(
    `the file is not valid UTF-8 (invalid byte ${hex} on line ${line}); it looks like Windows-1252/Latin-1 — ` +
      'save it again as "CSV UTF-8", or import it as it is with --encoding windows-1252 (REST: Content-Type: text/csv; charset=windows-1252)',
    'encoding',
    line,
  );
}

/** Strict UTF-8 decoding with the BOM removed; UTF-16/32 files are refused with an explanation. */
async function* decodeUtf8(source: ByteSource): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let carry: Uint8Array = new Uint8Array(0);
  let first = true;
  let linesBefore = 0;
  const emit = (bytes: Uint8Array): string => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw encodingError(bytes, linesBefore);
    }
    linesBefore += countNewlines(text);
    return text;
  };
  for await (const chunk of source) {
    const incoming = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let bytes = carry.length ? Buffer.concat([carry, incoming]) : incoming;
    if (first) {
      if (bytes.length < 4) {
        carry = bytes;
        continue;
      }
      first = false;
      bytes = checkByteOrderMark(bytes);
    }
    const cut = completeLength(bytes);
    carry = bytes.subarray(cut);
    if (cut > 0) yield emit(bytes.subarray(0, cut));
  }
  if (first) carry = checkByteOrderMark(carry);
  // A dangling lead byte at the very end is a truncated sequence: decode it so it fails loudly.
  if (carry.length) yield emit(carry);
}

function checkByteOrderMark(bytes: Uint8Array): Uint8Array {
  const [b0, b1, b2] = bytes;
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    const endian = b0 === 0xff ? 'little-endian' : 'big-endian';
    throw invalid(
      `the file is UTF-16 (${endian}, byte order mark ${b0 === 0xff ? 'FF FE' : 'FE FF'}); only UTF-8 is supported — ` +
        'in Excel choose "CSV UTF-8 (Comma delimited)", or convert with `iconv -f UTF-16 -t UTF-8`',
      'encoding',
    );
  }
  return b0 === 0xef && b1 === 0xbb && b2 === 0xbf ? bytes.subarray(3) : bytes;
}

/** Occurrences of a character outside double quotes on the header line. */
function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) n++;
  }
  return n;
}

function detectDelimiter(headerLine: string, expected?: CsvDelimiter): CsvDelimiter {
  const counts = new Map(CSV_DELIMITERS.map((d) => [d as string, countOutsideQuotes(headerLine, d)]));
  counts.set('|', countOutsideQuotes(headerLine, '|'));
  const [best, bestCount] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
  if (expected) {
    if (counts.get(expected) === 0 && bestCount > 0) {
      throw invalid(
        `wrong delimiter: the header is separated by ${delimiterName(best)} but ${delimiterName(expected)} was expected`,
        'delimiter',
        1,
      );
    }
    return expected;
  }
  if (best === '|') {
    throw invalid(
      `wrong delimiter: detected ${delimiterName('|')} in the header; expected comma, semicolon or tab`,
      'delimiter',
      1,
    );
  }
  // No delimiter at all is a legitimate single-column file.
  return bestCount === 0 ? ',' : (best as CsvDelimiter);
}

function parseFailure(err: unknown, consumedRows: number): AppError {
  if (err instanceof AppError) return err;
  const csvError = err as Partial<CsvError> & { records?: number };
  const code = csvError?.code;
  // csv-parse counts every record it emitted (header and blank lines included), even those still
  // buffered when the stream errored, so it knows the failing row better than our consumer does.
  const row = typeof csvError?.records === 'number' ? csvError.records + 1 : consumedRows + 1;
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return invalid(`unterminated quote: the quoted cell opened in row ${row} is never closed`, 'quote', row);
  }
  if (code === 'CSV_MAX_RECORD_SIZE') {
    return invalid(`row ${row} is too large — usually an unterminated quote that swallows the rest of the file`, 'quote', row);
  }
  if (code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') {
    return invalid(`row ${row}: a closing quote must be followed by the delimiter or the end of the line`, 'quote', row);
  }
  return invalid(`row ${row} could not be parsed: ${(err as Error)?.message ?? String(err)}`, 'file', row);
}

/**
 * Composed Unicode (NFC): macOS and some exports write "ü" as "u" + a combining mark, which looks
 * the same but never matches a search typed as "ü". Pure ASCII (most cells) is returned as is.
 */
const nfc = (s: string): string => (/[\u0080-\uffff]/.test(s) ? s.normalize('NFC') : s);

/**
 * A cell as stored: composed Unicode, and line breaks inside a quoted cell as LF whatever the file
 * used (a Windows export's CRLF, an old Mac's CR), so notes compare, search and export alike.
 */
const cellText = (s: string): string => nfc(s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s);

/**
 * Open a CSV stream: reads just enough to detect the delimiter and parse the header, then hands
 * back a generator that parses the rest lazily, so memory stays constant whatever the file size.
 * Breaking out of `records` early destroys the source stream.
 */
export async function openCsv(source: Readable | ByteSource, opts: CsvReadOptions = {}): Promise<CsvTable> {
  const text = decodeUtf8(source)[Symbol.asyncIterator]();
  let head = '';
  let ended = false;
  const readFirstLine = async () => {
    while ((head.trim() === '' || !/[\r\n]/.test(head)) && head.length < HEADER_SCAN_LIMIT) {
      const next = await text.next();
      if (next.done) {
        ended = true;
        break;
      }
      head += next.value;
    }
  };
  await readFirstLine();
  if (/^"?sep=/i.test(head) && head.endsWith('\r') && !ended) {
    // a CRLF split between chunks: read its LF too, so it is not taken for an empty header line
    const next = await text.next();
    if (next.done) ended = true;
    else head += next.value;
  }
  // Excel's "sep=;" line names the delimiter and is not shown as a row: honour it, then drop it
  const sep = /^"?sep=(.)"?\s*(\r\n|\n|\r)/i.exec(head);
  let declared: CsvDelimiter | undefined;
  if (sep) {
    if (!(CSV_DELIMITERS as readonly string[]).includes(sep[1])) {
      await text.return?.();
      throw invalid(`the first line "sep=${sep[1]}" names ${delimiterName(sep[1])} as the delimiter; expected comma, semicolon or tab`, 'delimiter', 1);
    }
    declared = sep[1] as CsvDelimiter;
    head = head.slice(sep[0].length);
    await readFirstLine();
  }
  if (head.trim() === '') {
    await text.return?.();
    throw invalid('the file is empty — expected a header row followed by data rows', 'file');
  }
  const headerLine = head.split(/\r\n|\n|\r/, 1)[0]!;
  if (headerLine.includes('\0')) {
    await text.return?.();
    throw invalid('the file contains NUL bytes — it looks like UTF-16 without a byte order mark, or is not a text file', 'encoding');
  }
  let delimiter: CsvDelimiter;
  try {
    delimiter = detectDelimiter(headerLine, opts.delimiter ?? declared);
  } catch (err) {
    await text.return?.();
    throw err;
  }

  const parser = parse({
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: opts.maxRecordSize ?? 1_000_000,
  });
  const chunks = async function* () {
    try {
      yield head;
      if (ended) return;
      for (let next = await text.next(); !next.done; next = await text.next()) yield next.value;
    } finally {
      // Manual next() calls are not a for-await, so closing the source is our job.
      await text.return?.();
    }
  };
  pipeline(Readable.from(chunks()), parser, () => {
    /* errors surface through the parser's async iterator */
  });
  const parsed = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;

  let row = 1;
  let first: IteratorResult<string[]>;
  try {
    first = await parsed.next();
  } catch (err) {
    throw parseFailure(err, 0);
  }
  const header = first.done ? [] : first.value.map((h) => nfc(h.trim()));
  if (header.every((h) => h === '')) {
    await parsed.return?.();
    throw invalid('missing header row: the first line is empty', 'header', 1);
  }
  const dataLike = header.find((h) => EMAIL_LIKE.test(h));
  if (dataLike) {
    await parsed.return?.();
    throw invalid(
      `missing header row: the first line looks like data (it contains the email address "${dataLike}"); ` +
        'add a header row such as "First Name,Last Name,Email"',
      'header',
      1,
    );
  }

  async function* records(): AsyncGenerator<CsvRecord, void, undefined> {
    try {
      while (true) {
        let next: IteratorResult<string[]>;
        try {
          next = await parsed.next();
        } catch (err) {
          throw parseFailure(err, row);
        }
        if (next.done) return;
        row++;
        let cells = next.value.map(cellText);
        // Spreadsheets leave blank and ",,,," lines behind; they count as rows but carry nothing.
        if (cells.every((c) => c.trim() === '')) continue;
        // Salesforce report exports end with a totals line and a confidentiality/copyright footer
        if (cells.length === 1 && header.length > 1 && SALESFORCE_FOOTER.some((re) => re.test(cells[0].trim()))) continue;
        if (cells.length > header.length && cells.slice(header.length).every((c) => c.trim() === '')) {
          cells = cells.slice(0, header.length);
        }
        if (cells.length !== header.length) {
          const reason = `expected ${header.length} cells (one per header column) but found ${cells.length}`;
          yield { row, ok: false, cells, issue: { path: 'columns', reason, row } };
        } else {
          yield { row, ok: true, cells };
        }
      }
    } finally {
      await parsed.return?.();
    }
  }
  return { header, delimiter, records: records() };
}
