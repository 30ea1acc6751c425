import { dateEvidence, decideDateOrder, type DateOrder, type DateOrderChoice } from '../../csv/date-order.ts';
import { AppError } from '../../errors/app-error.ts';
import { DatasetError } from './dataset-error.ts';
import {
  type DateFormat,
  detectDateFormat,
  isMissingCell,
  parseBooleanCell,
  parseDateCell,
  parseNumberCell,
  placeholderOf,
} from './cell-parsers.ts';

export type DataType = 'numeric' | 'boolean' | 'date' | 'categorical';

/** How to read one raw column: enough to parse a new record exactly like the training data. */
export interface CsvColumnSchema {
  name: string;
  type: DataType;
  dateFormat?: DateFormat;
  /**
   * Numbers only: a code that stands for "none" or "not applicable" rather than an amount (UCI bank
   * marketing's `pdays` = -1 "never contacted", 999 in its newer release), read as missing.
   */
  missingCode?: number;
}

export type DropReason = 'id' | 'constant' | 'empty';

/** A parsed column: numbers (NaN = missing; booleans 1/0; dates in epoch days) or strings (null = missing). */
export interface TypedColumn {
  schema: CsvColumnSchema;
  values: Float64Array | (string | null)[];
  missing: number;
  drop?: DropReason;
  note?: string;
  /** Placeholder cells read as missing ("Select", "-None-", "unknown"): the text as written → count. */
  placeholders?: Map<string, number>;
  /** Numbers only: cells holding the schema's `missingCode`, read as missing. */
  codedMissing?: number;
}

/** Conventional codes for "none / not applicable" in numeric exports: a sentinel is one of these, at an extreme. */
const LOW_CODES = new Set([-1, -9, -99, -999, -9999, -99999]);
const HIGH_CODES = new Set([99, 999, 9999, 99999, 999999]);

/**
 * A numeric column's "none" code, if it has one: a conventional code (-1, -9, -99, … or 99, 999,
 * 9999, …) at one end of the values, frequent (at least 1% of the filled cells and 5 of them) and
 * apart from every other value — the only negative value among non-negative ones, or more than
 * twice the largest other value — with at least two other distinct values. Such a code is not an
 * amount: read as a number, -1 "never contacted" sits next to "contacted 1 day ago" and 999 makes
 * the column's scale meaningless to a linear model. Read as missing, the encoder's missing
 * indicator keeps what it says and the other values keep their scale.
 */
export function missingCodeOf(values: Float64Array): { code: number; count: number } | null {
  let present = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    present++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (present < 20) return null;
  const check = (code: number, apart: (v: number) => boolean) => {
    let count = 0;
    const others = new Set<number>();
    for (const v of values) {
      if (Number.isNaN(v)) continue;
      if (v === code) count++;
      else if (!apart(v)) return null;
      else if (others.size < 2) others.add(v);
    }
    return count >= Math.max(5, 0.01 * present) && others.size >= 2 ? { code, count } : null;
  };
  if (LOW_CODES.has(min)) {
    const found = check(min, (v) => v >= 0);
    if (found) return found;
  }
  if (HIGH_CODES.has(max)) return check(max, (v) => v >= 0 && 2 * v < max);
  return null;
}

/** Share of non-missing cells that must parse for a column to be numeric or a date; the rest become missing. */
const PARSE_SHARE = 0.99;
const ID_NAME = /(^|[^a-z])(id|uuid|guid|key|number|no|nr|ref|reference)\.?$/i;
/** Values shaped like machine identifiers: UUIDs, hex digests, Salesforce-style 15/18-character ids. */
const ID_SHAPES = [/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i, /^[0-9a-f]{16,}$/i, /^(?=.*\d)(?=.*[a-z])[a-z0-9]{15}([a-z0-9]{3})?$/i];
/** Share of distinct values among filled cells above which a column identifies rows. */
const NEARLY_UNIQUE = 0.95;
const DATE_SAMPLE = 2000;

/**
 * Decide a column's type from its cells — boolean if every value is a yes/no token, numeric if
 * 99% parse as numbers, a date if 99% parse in one date layout, otherwise categorical — and
 * parse it. Marks columns to drop: empty, constant, or identifiers (every value unique).
 */
export function inferColumn(name: string, cells: readonly string[], dates: DateOrderChoice = {}): TypedColumn {
  const n = cells.length;
  // One pass: count present cells, try booleans, and parse numbers (kept if the column is numeric).
  const numbers = new Float64Array(n);
  let present = 0;
  let parsedNumbers = 0;
  let allBoolean = true;
  // More than 1% of all cells failing to parse means fewer than 99% of the present ones parse:
  // the column is not numeric, and its numbers are not needed (categories are parsed once, below).
  const maxFailures = (1 - PARSE_SHARE) * n;
  let failures = 0;
  const sample: string[] = [];
  const placeholders = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = cells[i];
    if (isMissingCell(c)) {
      numbers[i] = Number.NaN;
      countPlaceholder(placeholders, c);
      continue;
    }
    present++;
    if (sample.length < DATE_SAMPLE) sample.push(c.trim());
    if (allBoolean && Number.isNaN(parseBooleanCell(c))) allBoolean = false;
    if (failures > maxFailures) {
      if (!allBoolean && sample.length >= DATE_SAMPLE) {
        for (let k = i + 1; k < n; k++) {
          if (!isMissingCell(cells[k])) present++;
          else countPlaceholder(placeholders, cells[k]);
        }
        break;
      }
      continue;
    }
    const v = parseNumberCell(c);
    numbers[i] = v;
    if (Number.isNaN(v)) failures++;
    else parsedNumbers++;
  }
  const missing = n - present;
  if (present === 0) {
    const note = placeholders.size ? `every value is empty or a placeholder (${[...placeholders.keys()].map((p) => `"${p}"`).join(', ')})` : 'every value is empty';
    return { schema: { name, type: 'categorical' }, values: cells.map(() => null), missing, drop: 'empty', note };
  }

  let column: TypedColumn;
  if (allBoolean) {
    column = parseColumn({ name, type: 'boolean' }, cells);
  } else if (parsedNumbers >= PARSE_SHARE * present) {
    column = { schema: { name, type: 'numeric' }, values: numbers, missing: n - parsedNumbers };
    const coded = missingCodeOf(numbers);
    if (coded) {
      for (let i = 0; i < n; i++) if (numbers[i] === coded.code) numbers[i] = Number.NaN;
      column.schema.missingCode = coded.code;
      column.codedMissing = coded.count;
    }
  } else {
    let date = detectDateFormat(sample);
    if (date && (date.format === 'dmy' || date.format === 'mdy') && date.parsed >= PARSE_SHARE * sample.length) {
      date = { format: dateOrderOf(name, sample, dates), parsed: date.parsed };
    }
    column =
      date && date.parsed >= PARSE_SHARE * sample.length
        ? parseColumn({ name, type: 'date', dateFormat: date.format }, cells)
        : parseColumn({ name, type: 'categorical' }, cells);
    if (column.schema.type === 'date' && n - column.missing < PARSE_SHARE * present) column = parseColumn({ name, type: 'categorical' }, cells);
  }
  if (placeholders.size) column.placeholders = placeholders;
  const { schema } = column;
  const unparsed = column.missing - missing;
  if (column.codedMissing) column.missing += column.codedMissing;
  if (unparsed > 0) column.note = `${unparsed} value(s) that are not ${schema.type === 'date' ? 'dates' : 'numbers'} treated as missing`;

  const distinct = countDistinct(column.values);
  const idReason = distinct > 1 || column.missing > 0 ? idLikeReason(name, column, sample, distinct) : null;
  if (distinct <= 1 && column.missing === 0) {
    column.drop = 'constant';
    column.note = `every row has the same value "${cells[0].trim()}"`;
  } else if (idReason) {
    column.drop = 'id';
    column.note = idReason;
  }
  return column;
}

function countPlaceholder(counts: Map<string, number>, raw: string | null | undefined): void {
  const p = placeholderOf(raw);
  if (p !== null) counts.set(p, (counts.get(p) ?? 0) + 1);
}

/** The import's per-column day/month decision (values, dots, locale, override), as a DatasetError when refused. */
function dateOrderOf(name: string, sample: readonly string[], dates: DateOrderChoice): DateOrder {
  try {
    return decideDateOrder(name, dateEvidence(sample), dates) ?? 'mdy';
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const issue = Array.isArray(err.details) ? err.details[0] : undefined;
    throw new DatasetError(name, `${issue?.reason ?? err.message}${dates.override ? '' : ' (or --locale, e.g. en-GB)'}`);
  }
}

function countDistinct(values: TypedColumn['values']): number {
  if (values instanceof Float64Array) {
    // One native sort of a copy instead of a hash set of numbers (−0 and 0 count once, as in a Set).
    const sorted = values.filter((v) => !Number.isNaN(v)).sort();
    let distinct = 0;
    for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) distinct++;
    return distinct;
  }
  const seen = new Set<string | number>();
  for (const v of values) if (v !== null && !(typeof v === 'number' && Number.isNaN(v))) seen.add(v);
  return seen.size;
}

/**
 * Why a column identifies rows rather than describing them, or null. Ids are never features:
 * a model that learns lead numbers learns when a lead was entered, or nothing that carries to
 * new leads. Categories: nearly every value unique, or most values shaped like a UUID or hash.
 * Numbers (whole only, so amounts with decimals stay): nearly unique and named like an id, or a
 * dense sequence (shuffled or not), or increasing in file order.
 */
function idLikeReason(name: string, column: TypedColumn, sample: readonly string[], distinct: number): string | null {
  const present = column.values.length - column.missing;
  if (present < 20) {
    if (present < 10 || distinct < present) return null;
    if (column.schema.type === 'categorical') return 'every value is unique, so it identifies rows rather than describing them';
    return column.schema.type === 'numeric' && ID_NAME.test(name) ? 'named like an identifier and every value is unique' : null;
  }
  const shaped = sample.filter((v) => ID_SHAPES.some((re) => re.test(v))).length;
  if (column.schema.type === 'categorical') {
    if (shaped >= 0.9 * sample.length) return 'its values look like machine identifiers (UUIDs, hashes or record ids)';
    if (distinct >= NEARLY_UNIQUE * present) return `${distinct === present ? 'every' : 'nearly every'} value is unique, so it identifies rows rather than describing them`;
    return null;
  }
  if (column.schema.type !== 'numeric' || distinct < NEARLY_UNIQUE * present) return null;
  const x = column.values as Float64Array;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let pairs = 0;
  let increasing = 0;
  let prev = Number.NaN;
  for (const v of x) {
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) return null;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    if (!Number.isNaN(prev)) {
      pairs++;
      if (v > prev) increasing++;
    }
    prev = v;
  }
  if (ID_NAME.test(name)) return 'named like an identifier and (nearly) every value is unique';
  if (hi - lo + 1 <= 2 * distinct) return `its whole numbers form a sequence (${lo} to ${hi}, nearly all distinct), like a record number`;
  if (increasing >= 0.99 * pairs || increasing <= 0.01 * pairs) return 'its whole numbers rise (or fall) with every row, like a record number';
  return null;
}

/** Parse every cell of a column with a known schema (training or a batch of new records). */
export function parseColumn(schema: CsvColumnSchema, cells: readonly (string | null | undefined)[]): TypedColumn {
  if (schema.type === 'categorical') {
    let missing = 0;
    const values = cells.map((c) => {
      const v = parseCell(c, schema);
      if (v === null) missing++;
      return v as string | null;
    });
    return { schema, values, missing };
  }
  const values = new Float64Array(cells.length);
  let missing = 0;
  for (let i = 0; i < cells.length; i++) {
    const v = parseCell(cells[i], schema) as number | null;
    values[i] = v ?? Number.NaN;
    if (v === null) missing++;
  }
  return { schema, values, missing };
}

/** One raw cell → number (numeric, boolean 1/0, date in epoch days), string (categorical) or null. */
export function parseCell(raw: string | null | undefined, schema: CsvColumnSchema): number | string | null {
  if (raw == null || isMissingCell(raw)) return null;
  let v: number;
  switch (schema.type) {
    case 'categorical':
      return raw.trim();
    case 'numeric':
      v = parseNumberCell(raw);
      if (v === schema.missingCode) return null;
      break;
    case 'boolean':
      v = parseBooleanCell(raw);
      break;
    case 'date':
      v = parseDateCell(raw, schema.dateFormat ?? 'ymd');
      break;
  }
  return Number.isNaN(v) ? null : v;
}
