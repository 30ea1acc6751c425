import { LocalDay, WallClockDate } from '../errors/safe-input.schema.ts';

/**
 * Calendar days in a tenant's time zone (tenants.time_zone, IANA): "due today" ends at the
 * tenant's local midnight, not UTC's. Pure functions of an instant; no clock is read here.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch {
      throw new RangeError(`time zone "${timeZone}" is not an IANA time zone (example: Europe/London)`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a zone. */
function wallClock(t: number, timeZone: string): { year: number; month: number; day: number; ms: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const ms = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + (((t % 1000) + 1000) % 1000);
  return { year: parts.year, month: parts.month, day: parts.day, ms };
}

/** Offset of the zone from UTC at instant t, in ms (Europe/London in summer: +3,600,000). */
function offsetAt(t: number, timeZone: string): number {
  return wallClock(t, timeZone).ms - t;
}

/** The instant a wall-clock time (as a UTC-epoch number) occurs in the zone; in a DST gap, the first valid instant after it. */
function instantOf(wall: number, timeZone: string): number {
  let t = wall - offsetAt(wall, timeZone);
  t = wall - offsetAt(t, timeZone);
  return t;
}

/** The last millisecond of the calendar day that `now` falls on in `timeZone`. */
export function endOfLocalDay(now: Date, timeZone: string): Date {
  const { year, month, day } = wallClock(now.getTime(), timeZone);
  const nextMidnight = instantOf(Date.UTC(year, month - 1, day + 1), timeZone);
  return new Date(nextMidnight - 1);
}

/** The calendar date (YYYY-MM-DD) of an instant in the zone. */
export function localDate(t: Date, timeZone: string): string {
  const { year, month, day } = wallClock(t.getTime(), timeZone);
  return new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
}

/** Calendar arithmetic on a YYYY-MM-DD date (no zone involved). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The instant a calendar day (YYYY-MM-DD) begins in the zone (its local midnight, or the first instant after a DST gap). */
export function startOfLocalDate(day: string, timeZone: string): Date {
  return new Date(instantOf(Date.parse(`${day}T00:00:00Z`), timeZone));
}

/** The local midnight that starts the calendar day `t` falls on in the zone. */
export function startOfLocalDay(t: Date, timeZone: string): Date {
  return startOfLocalDate(localDate(t, timeZone), timeZone);
}

/** The instant a wall-clock time, written as if it were UTC, occurs in the zone (DST gaps move forward). */
export function wallClockInZone(wall: Date, timeZone: string): Date {
  return new Date(instantOf(wall.getTime(), timeZone));
}

/**
 * A date as a caller meant it in `timeZone`: a date alone (LocalDay) is the start of that local day,
 * or with `dayEnd` the start of the next one (the exclusive end of an inclusive "up to this day"); a
 * date-time without an offset (WallClockDate) is that wall-clock time there; any other date is kept.
 */
export function placeInZone(d: Date, timeZone: string, edge: 'start' | 'dayEnd' = 'start'): Date {
  if (d instanceof LocalDay) {
    const day = d.toISOString().slice(0, 10);
    return startOfLocalDate(edge === 'dayEnd' ? addDays(day, 1) : day, timeZone);
  }
  return d instanceof WallClockDate ? wallClockInZone(d, timeZone) : d;
}

/**
 * A period a caller wrote, placed in the zone: `start` as placeInZone reads it, and a date-only `end`
 * includes that whole local day (2026-11-01 to 2026-11-30 is November), so the half-open period ends
 * at the next local midnight.
 */
export function placeRange(r: { start: Date; end: Date }, timeZone: string): { start: Date; end: Date } {
  return { start: placeInZone(r.start, timeZone), end: placeInZone(r.end, timeZone, 'dayEnd') };
}

/** True when a date still waits for a time zone (written without an offset, or a date alone). */
export const needsZone = (d: Date | null | undefined): boolean => d instanceof WallClockDate;
