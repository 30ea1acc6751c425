import { AppError } from '../errors/app-error.ts';

/** How a slashed date like 03/04/2024 is read: day first (3 April, en-GB) or month first (4 March, en-US). */
export type DateOrder = 'dmy' | 'mdy';

export const DATE_FORMAT_CHOICES = ['dmy', 'mdy', 'DD/MM/YYYY', 'MM/DD/YYYY'] as const;

/** `--date-format`: dmy | mdy | DD/MM/YYYY | MM/DD/YYYY (any case). */
export function parseDateOrder(raw: string, path = 'dateFormat'): DateOrder {
  const s = raw.trim().toLowerCase();
  if (s === 'dmy' || s === 'dd/mm/yyyy') return 'dmy';
  if (s === 'mdy' || s === 'mm/dd/yyyy') return 'mdy';
  throw AppError.validation([{ path, reason: `must be dmy (DD/MM/YYYY) or mdy (MM/DD/YYYY), got "${raw}"` }]);
}

/** Day-first or month-first in a BCP 47 locale's short date, from Intl; null for an unknown locale or year-first. */
export function dateOrderForLocale(locale: string | undefined): DateOrder | null {
  if (!locale) return null;
  let parts: Intl.DateTimeFormatPart[];
  try {
    // An unknown tag would silently fall back to the runtime's default locale.
    if (Intl.DateTimeFormat.supportedLocalesOf([locale]).length === 0) return null;
  } catch {
    return null;
  }
  try {
    parts = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'numeric', year: 'numeric', timeZone: 'UTC' }).formatToParts(new Date(Date.UTC(2000, 10, 22)));
  } catch {
    return null;
  }
  const order = parts.filter((p) => p.type === 'day' || p.type === 'month' || p.type === 'year').map((p) => p.type[0]).join('');
  return order === 'dmy' ? 'dmy' : order === 'mdy' ? 'mdy' : null;
}

const SLASHED = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:\D|$)/;

/** What a column's slashed dates say about their order: a first part over 12 can only be a day, a second only a month's day. */
export interface DateEvidence {
  slashed: number;
  dayFirst: number;
  monthFirst: number;
  dotted: number;
  dayFirstExample?: string;
  monthFirstExample?: string;
}

export function dateEvidence(cells: Iterable<string>): DateEvidence {
  const e: DateEvidence = { slashed: 0, dayFirst: 0, monthFirst: 0, dotted: 0 };
  for (const cell of cells) {
    const m = SLASHED.exec(cell);
    if (!m) continue;
    e.slashed++;
    if (cell.includes('.')) e.dotted++;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > 12 && b <= 12) {
      e.dayFirst++;
      e.dayFirstExample ??= cell.trim();
    } else if (b > 12 && a <= 12) {
      e.monthFirst++;
      e.monthFirstExample ??= cell.trim();
    }
  }
  return e;
}

export interface DateOrderChoice {
  /** `--date-format`: wins over everything. */
  override?: DateOrder;
  /** The tenant's (or the user's) locale, e.g. en-GB: decides columns whose dates fit both orders. */
  locale?: string;
}

/**
 * The order for one column: the override; else what its values prove (a 31/01 or a 01/31);
 * else dotted dates (European, day first); else the locale. A column proving both orders, or
 * proving neither with no locale to decide, is refused naming the column — a silent guess would
 * swap day and month on every ambiguous row. Undefined when the column has no slashed dates.
 */
export function decideDateOrder(column: string, e: DateEvidence, choice: DateOrderChoice = {}): DateOrder | undefined {
  if (choice.override) return choice.override;
  if (e.slashed === 0) return undefined;
  if (e.dayFirst > 0 && e.monthFirst > 0) {
    throw AppError.validation(
      [{ path: column, reason: `mixes day-first ("${e.dayFirstExample}") and month-first ("${e.monthFirstExample}") dates; fix the column or pass --date-format dmy|mdy` }],
      `Dates in "${column}" mix day-first and month-first values`,
    );
  }
  if (e.dayFirst > 0) return 'dmy';
  if (e.monthFirst > 0) return 'mdy';
  if (e.dotted === e.slashed) return 'dmy';
  const fromLocale = dateOrderForLocale(choice.locale);
  if (fromLocale) return fromLocale;
  throw AppError.validation(
    [{ path: column, reason: 'every date fits both day-first and month-first (like 03/04/2024); pass --date-format dmy or mdy, or set the tenant locale' }],
    `Dates in "${column}" are ambiguous (day-first or month-first?)`,
  );
}
