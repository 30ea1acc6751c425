import type { DateOrder } from './date-order.ts';
import { startOfLocalDate, wallClockInZone } from '../tenants/local-day.ts';
import { readNumberText } from './number-text.ts';

/**
 * Cell-level parsers shared by the contact and interaction row converters. Each returns either a
 * value or a human-readable reason; the caller attaches the field path and row number.
 */
export type CellResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): CellResult<T> => ({ ok: true, value });
const fail = <T>(reason: string): CellResult<T> => ({ ok: false, reason });

/** Characters a spreadsheet treats as the start of a formula (OWASP CSV injection list). */
export const FORMULA_TRIGGERS = ['=', '+', '-', '@', '\t', '\r'] as const;

/**
 * Undo the writer's formula-injection guard: `'=SUM(A1)` → `=SUM(A1)`. Only an apostrophe directly
 * followed by a trigger character is removed, so `'quoted'` stays as it is.
 */
export function unescapeFormula(cell: string): string {
  return cell.length > 1 && cell[0] === "'" && (FORMULA_TRIGGERS as readonly string[]).includes(cell[1]!)
    ? cell.slice(1)
    : cell;
}

/** "85", "85.0", "85,5" (decimal comma from semicolon files), "85%", "1,200" → number (readNumberText). */
export function parseNumber(raw: string): CellResult<number> {
  const value = readNumberText(raw);
  if (!Number.isFinite(value)) return fail(`must be a number (got "${raw.trim()}")`);
  return ok(value);
}

const dateFormats = (order: DateOrder): string =>
  `ISO 8601 (2024-03-15 or 2024-03-15T10:30:00Z), ${order === 'dmy' ? 'DD/MM/YYYY' : 'MM/DD/YYYY'} or YYYY-MM-DD HH:mm`;

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Date | undefined {
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  // Date.UTC rolls 02/30 over to 03/02; a spreadsheet typo must not silently become another day.
  const valid =
    date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  return valid ? date : undefined;
}

// An export's date column repeats a few hundred days over many rows: each day's local midnight is
// worked out once (Intl costs ~13 µs a cell; a million-row import reads ~2 million dates).
const dayStarts = new Map<string, number>();
function dayStart(d: Date, timeZone: string): Date {
  const key = `${timeZone}|${d.getTime()}`;
  let t = dayStarts.get(key);
  if (t === undefined) {
    if (dayStarts.size >= 20_000) dayStarts.clear();
    t = startOfLocalDate(d.toISOString().slice(0, 10), timeZone).getTime();
    dayStarts.set(key, t);
  }
  return new Date(t);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const SLASHED = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?$/i;

/**
 * Accepts ISO 8601, `YYYY-MM-DD HH:mm[:ss]` (HubSpot) and slashed dates with an optional time,
 * `MM/DD/YYYY[ h:mm[ AM|PM]]` (Salesforce US locale) or, with `order` 'dmy', `DD/MM/YYYY` (UK
 * and most of the world; the column's order is decided once per file, see decideDateOrder).
 * A value without a zone is read in `timeZone` (the importing tenant's, tenants.time_zone): a date
 * alone is the start of that local day, a time that wall-clock time there. CRM exports carry no
 * zone, and their times are the account's local times, not UTC nor the importing machine's. An
 * explicit Z or offset is kept as given.
 */
export function parseDate(raw: string, order: DateOrder = 'mdy', timeZone = 'UTC'): CellResult<Date> {
  const local = (d: Date, dateOnly: boolean) => (timeZone === 'UTC' ? d : dateOnly ? dayStart(d, timeZone) : wallClockInZone(d, timeZone));
  const text = raw.trim();
  const iso = ISO.exec(text);
  if (iso) {
    const [, y, mo, d, h, mi, s, frac, zone] = iso;
    const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
    const date = utc(+y!, +mo!, +d!, h ? +h : 0, mi ? +mi : 0, s ? +s : 0, ms);
    if (!date) return fail(`is not a real calendar date or time (got "${text}")`);
    if (zone && zone.toUpperCase() !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
      return ok(new Date(date.getTime() - offsetMinutes * 60_000));
    }
    return ok(zone ? date : local(date, h === undefined));
  }
  const slashed = SLASHED.exec(text);
  if (slashed) {
    const [, first, second, y, h, mi, s, ampm] = slashed;
    const [mo, d] = order === 'dmy' ? [second, first] : [first, second];
    let hour = h ? +h : 0;
    if (ampm) {
      if (hour < 1 || hour > 12) return fail(`is not a real calendar date or time (got "${text}")`);
      hour = (hour % 12) + (ampm.toUpperCase() === 'PM' ? 12 : 0);
    }
    const date = utc(+y!, +mo!, +d!, hour, mi ? +mi : 0, s ? +s : 0);
    if (date) return ok(local(date, h === undefined));
    const hint = +mo! > 12 ? `; this column's dates are read as ${order === 'dmy' ? 'DD/MM/YYYY' : 'MM/DD/YYYY'} — use YYYY-MM-DD or --date-format` : '';
    return fail(`is not a real calendar date or time (got "${text}")${hint}`);
  }
  return fail(`must be a date: ${dateFormats(order)} (got "${text}")`);
}

/** Minutes from "45", "45 min", "1:30" (h:mm) or "1:30:00" (h:mm:ss, rounded to the minute). */
export type DurationUnit = 'minutes' | 'seconds' | 'milliseconds';

/**
 * The unit a duration column's header names: "Call Duration (seconds)", "Duration in seconds",
 * Salesforce's "CallDurationInSeconds" → seconds; "(ms)", "milliseconds" → milliseconds; else minutes.
 */
export function durationUnitOf(header: string): DurationUnit {
  const key = normaliseKey(header);
  if (/(milliseconds|millis|durationms)$/.test(key)) return 'milliseconds';
  if (/(seconds|durationsecs?|insecs?)$/.test(key)) return 'seconds';
  return 'minutes';
}

/** Whole minutes from minutes ("45", "45 min"), a clock (h:mm or h:mm:ss), or a number in the column's unit. */
export function parseDurationMinutes(raw: string, unit: DurationUnit = 'minutes'): CellResult<number> {
  const text = raw.trim().toLowerCase();
  const clock = /^(\d+):([0-5]\d)(?::([0-5]\d))?$/.exec(text);
  if (clock) return ok(Number(clock[1]) * 60 + Number(clock[2]) + Math.round(Number(clock[3] ?? 0) / 60));
  if (unit !== 'minutes') {
    const amount = /^(\d+(?:\.\d+)?)$/.exec(text);
    if (amount) return ok(Math.round(Number(amount[1]) / (unit === 'seconds' ? 60 : 60_000)));
    return fail(`must be a number of ${unit} ("${unit === 'seconds' ? '90' : '90000'}") or h:mm:ss ("0:01:30") (got "${raw.trim()}")`);
  }
  const minutes = /^(\d+(?:\.\d+)?)\s*(?:m|min|mins|minutes?)?$/.exec(text);
  if (minutes) return ok(Number(minutes[1]));
  return fail(`must be minutes ("45") or h:mm ("1:30") (got "${raw.trim()}")`);
}

/**
 * Tags from `a; b`, `a, b` or a JSON array. A cell containing `;` is split on `;` only, so a tag
 * with a comma survives as long as the list uses semicolons (the writer's format).
 */
export function parseList(raw: string): CellResult<string[]> {
  const text = raw.trim();
  if (text.startsWith('[')) {
    const parsed = parseJson(text);
    if (parsed.ok && Array.isArray(parsed.value) && parsed.value.every((t) => typeof t === 'string')) {
      return ok(parsed.value as string[]);
    }
    return fail('must be a list separated by ";" or ",", or a JSON array of strings');
  }
  const parts = text.split(text.includes(';') ? ';' : ',').map((t) => t.trim());
  return ok([...new Set(parts.filter(Boolean))]);
}

export function parseJson(raw: string): CellResult<unknown> {
  try {
    return ok(JSON.parse(raw));
  } catch {
    return fail('must be valid JSON');
  }
}

export function parseJsonObject(raw: string): CellResult<Record<string, unknown>> {
  const parsed = parseJson(raw.trim());
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    return fail('must be a JSON object, e.g. {"key":"value"}');
  }
  return ok(parsed.value as Record<string, unknown>);
}

/** Lower-case ASCII letters and digits only: "E-mail Address", "email_address", "EmailAddress" agree. */
export function normaliseKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
