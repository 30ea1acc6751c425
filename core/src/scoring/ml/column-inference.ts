import {
  type DateFormat,
  detectDateFormat,
  isMissingCell,
  parseBooleanCell,
  parseDateCell,
  parseNumberCell,
} from './cell-parsers.ts';

export type DataType = 'numeric' | 'boolean' | 'date' | 'categorical';

/** How to read one raw column: enough to parse a new record exactly like the training data. */
export interface CsvColumnSchema {
  name: string;
  type: DataType;
  dateFormat?: DateFormat;
}

export type DropReason = 'id' | 'constant' | 'empty';

/** A parsed column: numbers (NaN = missing; booleans 1/0; dates in epoch days) or strings (null = missing). */
export interface TypedColumn {
  schema: CsvColumnSchema;
  values: Float64Array | (string | null)[];
  missing: number;
  drop?: DropReason;
  note?: string;
}

/** Share of non-missing cells that must parse for a column to be numeric or a date; the rest become missing. */
const PARSE_SHARE = 0.99;
const ID_NAME = /(^|[^a-z])(id|uuid|guid)$/i;
const DATE_SAMPLE = 2000;

/**
 * Decide a column's type from its cells — boolean if every value is a yes/no token, numeric if
 * 99% parse as numbers, a date if 99% parse in one date layout, otherwise categorical — and
 * parse it. Marks columns to drop: empty, constant, or identifiers (every value unique).
 */
export function inferColumn(name: string, cells: readonly string[]): TypedColumn {
  const n = cells.length;
  // One pass: count present cells, try booleans, and parse numbers (kept if the column is numeric).
  const numbers = new Float64Array(n);
  let present = 0;
  let parsedNumbers = 0;
  let allBoolean = true;
  const sample: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = cells[i];
    if (isMissingCell(c)) {
      numbers[i] = Number.NaN;
      continue;
    }
    present++;
    if (sample.length < DATE_SAMPLE) sample.push(c.trim());
    if (allBoolean && Number.isNaN(parseBooleanCell(c))) allBoolean = false;
    const v = parseNumberCell(c);
    numbers[i] = v;
    if (!Number.isNaN(v)) parsedNumbers++;
  }
  const missing = n - present;
  if (present === 0) {
    return { schema: { name, type: 'categorical' }, values: cells.map(() => null), missing, drop: 'empty', note: 'every value is empty' };
  }

  let column: TypedColumn;
  if (allBoolean) {
    column = parseColumn({ name, type: 'boolean' }, cells);
  } else if (parsedNumbers >= PARSE_SHARE * present) {
    column = { schema: { name, type: 'numeric' }, values: numbers, missing: n - parsedNumbers };
  } else {
    const date = detectDateFormat(sample);
    column =
      date && date.parsed >= PARSE_SHARE * sample.length
        ? parseColumn({ name, type: 'date', dateFormat: date.format }, cells)
        : parseColumn({ name, type: 'categorical' }, cells);
    if (column.schema.type === 'date' && n - column.missing < PARSE_SHARE * present) column = parseColumn({ name, type: 'categorical' }, cells);
  }
  const { schema } = column;
  const unparsed = column.missing - missing;
  if (unparsed > 0) column.note = `${unparsed} value(s) that are not ${schema.type === 'date' ? 'dates' : 'numbers'} treated as missing`;

  const idCandidate = present >= 10 && missing <= 0.05 * n && (schema.type === 'categorical' || (schema.type === 'numeric' && ID_NAME.test(name)));
  let distinct: number;
  if (schema.type === 'categorical' || idCandidate) {
    const seen = new Set<string | number>();
    for (const v of column.values) if (v !== null && !(typeof v === 'number' && Number.isNaN(v))) seen.add(v);
    distinct = seen.size;
  } else {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of column.values as Float64Array) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    distinct = lo === hi ? 1 : 2;
  }
  if (distinct <= 1 && column.missing === 0) {
    column.drop = 'constant';
    column.note = `every row has the same value "${cells[0].trim()}"`;
  } else if (idCandidate && distinct === n - column.missing) {
    column.drop = 'id';
    column.note =
      schema.type === 'categorical' ? 'every value is unique, so it identifies rows rather than describing them' : 'named like an identifier and every value is unique';
  }
  return column;
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
