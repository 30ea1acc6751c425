import { readNumberText } from '../../csv/number-text.ts';

/**
 * Turning raw CSV cells into typed values. The same functions run at training time and when a
 * stored model scores a new raw record, so a cell means the same thing in both places.
 */

/**
 * Values that exports write for "nothing chosen": a web form's unfilled dropdown ("Select", as in
 * the X Education leads data), Zoho's "-None-", Salesforce's "--None--", the UCI bank-marketing
 * data's documented "unknown", Google Analytics' "(not set)". They mean missing, like a blank.
 */
const PLACEHOLDERS = new Set(['select', '-none-', '--none--', 'unknown', '(not set)']);

const MISSING = new Set(['', 'na', 'n/a', 'null', 'nan', '-', '#n/a', '(blank)', ...PLACEHOLDERS]);

const LONGEST_MISSING = Math.max(...[...MISSING].map((t) => t.length));

export function isMissingCell(raw: string | null | undefined): boolean {
  if (raw == null) return true;
  // Most cells are longer than any missing token: skip the lower-casing for them.
  const s = raw.length > LONGEST_MISSING ? raw.trim() : raw;
  if (s.length > LONGEST_MISSING) return false;
  return MISSING.has(s.trim().toLowerCase());
}

/** The placeholder a missing cell holds ("Select", "-None-", …), or null for a blank or a plain missing token. */
export function placeholderOf(raw: string | null | undefined): string | null {
  if (raw == null || raw.length > LONGEST_MISSING + 8) return null;
  const s = raw.trim();
  return PLACEHOLDERS.has(s.toLowerCase()) ? s : null;
}

/**
 * Plain numbers, and amounts as exports write them ("$1,500,000", "12 000 €", "85%", "(1,200)";
 * readNumberText, shared with the importer and tenant models); anything else is NaN.
 */
export function parseNumberCell(raw: string): number {
  return readNumberText(raw);
}

const TRUE_TOKENS = new Set(['yes', 'y', 'true', 't', '1']);
const FALSE_TOKENS = new Set(['no', 'n', 'false', 'f', '0']);

/** 1, 0, or NaN when the cell is not a boolean token. */
export function parseBooleanCell(raw: string): number {
  const s = raw.trim().toLowerCase();
  if (TRUE_TOKENS.has(s)) return 1;
  if (FALSE_TOKENS.has(s)) return 0;
  return Number.NaN;
}

// HubSpot's deal stages are "closedwon"/"closedlost"; Salesforce writes "Closed Won"
const POSITIVE_TARGET = new Set([...TRUE_TOKENS, '1.0', 'won', 'win', 'closed won', 'closedwon', 'converted', 'success', 'positive']);
const NEGATIVE_TARGET = new Set([...FALSE_TOKENS, '0.0', 'lost', 'lose', 'closed lost', 'closedlost', 'not converted', 'failure', 'negative']);

/** Whether an outcome label is a flag (1/0, yes/no, true/false, y/n) rather than a stage word (won, lost, converted). */
export function isFlagTarget(raw: string): boolean {
  const s = raw.trim().toLowerCase();
  return TRUE_TOKENS.has(s) || FALSE_TOKENS.has(s) || s === '1.0' || s === '0.0';
}

/** Outcome labels: 1/0, yes/no, true/false, y/n, won/lost, closed won/lost (any case, "_" or "-" for a space); null when unknown. */
export function parseTargetCell(raw: string): 0 | 1 | null {
  const s = raw.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
  if (POSITIVE_TARGET.has(s)) return 1;
  if (NEGATIVE_TARGET.has(s)) return 0;
  return null;
}

/**
 * Date layouts we recognise. `ymd` covers ISO 8601 (with optional time and offset) and 2024/01/31;
 * `dmy` and `mdy` are the slash/dot/dash day-first and month-first layouts; `text` has a month
 * name ("Jan 5, 2024", "5 January 2024", "05-Jan-2024").
 */
export type DateFormat = 'ymd' | 'dmy' | 'mdy' | 'text';

const YMD = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;
const SLASHED = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]m)?)?$/i;
const DAY_MONTH_NAME = /^(\d{1,2})[ -]([a-z]{3,9})\.?[ -](\d{4})$/i;
const MONTH_NAME_DAY = /^([a-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_MS = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function monthIndex(name: string): number {
  const m = MONTHS.indexOf(name.slice(0, 3).toLowerCase());
  return m < 0 ? -1 : m + 1;
}

function toEpochDays(y: number, m: number, d: number, hh = 0, mm = 0, ss = 0, offsetMin = 0): number {
  if (m < 1 || m > 12 || d < 1 || hh > 23 || mm > 59 || ss > 60) return Number.NaN;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1])) return Number.NaN;
  return (Date.UTC(y, m - 1, d, hh, mm, ss) - offsetMin * 60_000) / DAY_MS;
}

function offsetMinutes(tz: string | undefined): number {
  if (!tz || tz.toUpperCase() === 'Z') return 0;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

/** Days since 1970-01-01 UTC (fractional when a time is given), or NaN if the cell is not in `format`. */
export function parseDateCell(raw: string, format: DateFormat): number {
  const s = raw.trim();
  if (format === 'ymd') {
    const m = YMD.exec(s);
    if (!m) return Number.NaN;
    return toEpochDays(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), offsetMinutes(m[7]));
  }
  if (format === 'dmy' || format === 'mdy') {
    const m = SLASHED.exec(s);
    if (!m) return Number.NaN;
    const a = +m[1];
    const b = +m[3];
    let y = +m[4];
    if (m[4].length === 2) y += y < 70 ? 2000 : 1900;
    let hh = +(m[5] ?? 0);
    if (m[8]) {
      if (hh < 1 || hh > 12) return Number.NaN;
      hh = (hh % 12) + (m[8].toLowerCase() === 'pm' ? 12 : 0);
    }
    const [day, month] = format === 'dmy' ? [a, b] : [b, a];
    return toEpochDays(y, month, day, hh, +(m[6] ?? 0), +(m[7] ?? 0));
  }
  let m = DAY_MONTH_NAME.exec(s);
  if (m) {
    const month = monthIndex(m[2]);
    return month < 0 ? Number.NaN : toEpochDays(+m[3], month, +m[1]);
  }
  m = MONTH_NAME_DAY.exec(s);
  if (m) {
    const month = monthIndex(m[1]);
    return month < 0 ? Number.NaN : toEpochDays(+m[3], month, +m[2]);
  }
  return Number.NaN;
}

/**
 * The date format that parses the most of `cells` (non-missing cells only), with how many it
 * parsed. Ambiguous day/month columns (every part ≤ 12) default to month-first unless the column
 * uses dots, which in practice means a European export.
 */
export function detectDateFormat(cells: readonly string[]): { format: DateFormat; parsed: number } | null {
  let best: { format: DateFormat; parsed: number } | null = null;
  const sample = cells.length > 2000 ? cells.slice(0, 2000) : cells;
  for (const format of ['ymd', 'mdy', 'dmy', 'text'] as const) {
    let parsed = 0;
    for (const c of sample) if (!Number.isNaN(parseDateCell(c, format))) parsed++;
    if (parsed === 0) continue;
    const dotted = format === 'dmy' && sample.some((c) => c.includes('.'));
    if (!best || parsed > best.parsed || (parsed === best.parsed && dotted)) best = { format, parsed };
  }
  if (!best) return null;
  // The sample chose the format; count over all cells for the caller's threshold.
  if (sample !== cells) {
    let parsed = 0;
    for (const c of cells) if (!Number.isNaN(parseDateCell(c, best.format))) parsed++;
    best = { format: best.format, parsed };
  }
  return best;
}
