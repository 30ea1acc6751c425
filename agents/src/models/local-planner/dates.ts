/**
 * Relative dates in the tenant's time zone: "today", "tomorrow", "Friday", "next Friday",
 * "in 3 days", "next week", "2025-03-14", "14 March", "25/01/2027", with an optional time of day
 * ("at 3pm", "at 10:30", "14:00"). Returns the calendar date (YYYY-MM-DD) and the instant of that
 * time (09:00 when none is said) local time on it, or undefined when the text names no date.
 */
export interface ResolvedDate {
  date: string;
  /** ISO instant of the time of day (09:00 when none was said) on that date in the time zone. */
  at: string;
  /** The words that named it, for the answer ("next Friday"). */
  phrase: string;
  /** "HH:MM" when the text said a time of day. */
  time?: string;
  /** A day/month date that reads both ways (03/02/2027): both calendar dates; nothing should be set from it. */
  choices?: [string, string];
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** The calendar date `now` falls on in `timeZone`. */
export function localDate(now: Date, timeZone: string): { y: number; m: number; d: number; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'long' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return { y: Number(get('year')), m: Number(get('month')), d: Number(get('day')), weekday: WEEKDAYS.indexOf(get('weekday').toLowerCase()) };
}

export function resolveDate(text: string, now: Date, timeZone: string): ResolvedDate | undefined {
  const lower = text.toLowerCase();
  const today = localDate(now, timeZone);
  const time = timeOfDay(lower);
  const plus = (days: number, phrase: string) => at(new Date(Date.UTC(today.y, today.m - 1, today.d + days)), timeZone, phrase, time);

  const iso = lower.match(/\b(\d{4})-(\d{2})-(\d{2})\b/);
  if (iso) return at(new Date(Date.UTC(+iso[1], +iso[2] - 1, +iso[3])), timeZone, iso[0], time);
  // 25/01/2027 or 01.25.2027: a part over 12 is the day; 03/02/2027 is 3 February in London and
  // 2 March in New York, so it is asked about, never guessed
  const numeric = lower.match(/\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b/);
  if (numeric) {
    const [a, b, y] = [+numeric[1], +numeric[2], +numeric[3]];
    const real = (d: number, m: number) => m >= 1 && m <= 12 && d >= 1 && new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
    const dm = real(a, b) ? new Date(Date.UTC(y, b - 1, a)) : undefined;
    const md = real(b, a) ? new Date(Date.UTC(y, a - 1, b)) : undefined;
    if (dm && md && dm.getTime() !== md.getTime()) {
      return { ...at(dm, timeZone, numeric[0], time), choices: [dm.toISOString().slice(0, 10), md.toISOString().slice(0, 10)] };
    }
    const day = dm ?? md;
    if (day) return at(day, timeZone, numeric[0], time);
  }
  if (/\btoday\b/.test(lower)) return plus(0, 'today');
  if (/\b(tomorrow|tmrw)\b/.test(lower)) return plus(1, 'tomorrow');
  const inN = lower.match(/\bin (\d{1,3}|a|one|two|three) (day|week)s?\b/);
  if (inN) {
    const n = ({ a: 1, one: 1, two: 2, three: 3 } as Record<string, number>)[inN[1]] ?? Number(inN[1]);
    return plus(n * (inN[2] === 'week' ? 7 : 1), inN[0].trim());
  }
  const weekday = lower.match(/\b(next |this |on )?(sunday|monday|tuesday|wednesday|thursday|friday|saturday)\b/);
  if (weekday) {
    const target = WEEKDAYS.indexOf(weekday[2]);
    let days = (target - today.weekday + 7) % 7;
    if (days === 0) days = 7;
    // "next Friday" said on a Monday means the Friday of next week, not in four days (British usage).
    if (weekday[1]?.trim() === 'next' && days < 7 && target > today.weekday && today.weekday !== 0) days += 7;
    return plus(days, weekday[0].trim());
  }
  if (/\bnext week\b/.test(lower)) return plus(((1 - today.weekday + 7) % 7 || 7), 'next week');
  const dayMonth = lower.match(new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)? (${MONTHS.join('|')})\\b`)) ?? swap(lower.match(new RegExp(`\\b(${MONTHS.join('|')}) (\\d{1,2})(?:st|nd|rd|th)?\\b`)));
  if (dayMonth) {
    const month = MONTHS.indexOf(dayMonth[2]);
    let year = today.y;
    if (month < today.m - 1 || (month === today.m - 1 && +dayMonth[1] < today.d)) year++;
    return at(new Date(Date.UTC(year, month, +dayMonth[1])), timeZone, dayMonth[0], time);
  }
  return undefined;
}

function swap(m: RegExpMatchArray | null): RegExpMatchArray | null {
  if (!m) return null;
  const out = [m[0], m[2], m[1]] as unknown as RegExpMatchArray;
  return out;
}

/** "at 3pm", "at 10:30am", "at 10", "14:00", "3 pm": the wall-clock time said, as "HH:MM". */
function timeOfDay(lower: string): string | undefined {
  const m = lower.match(/\bat (\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b/) ?? lower.match(/\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b/) ?? lower.match(/\b(\d{1,2}):(\d{2})()\b/);
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  if (m[3] === 'pm' && hour < 12) hour += 12;
  if (m[3] === 'am' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59 || (m[3] && Number(m[1]) > 12)) return undefined;
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** That wall-clock time (09:00 when none was said) on `day` (a UTC-midnight Date naming the calendar day) in `timeZone`. */
function at(day: Date, timeZone: string, phrase: string, time?: string): ResolvedDate {
  const date = day.toISOString().slice(0, 10);
  const guess = new Date(`${date}T${time ?? '09:00'}:00Z`);
  const offsetMinutes = offsetOf(guess, timeZone);
  return { date, at: new Date(guess.getTime() - offsetMinutes * 60_000).toISOString(), phrase, ...(time ? { time } : {}) };
}

/** The instant a calendar day begins in `timeZone` (month 0-based; days and months past their end roll over, as in Date.UTC). */
export function midnightIn(y: number, month0: number, d: number, timeZone: string): Date {
  const wall = Date.UTC(y, month0, d);
  const first = wall - offsetOf(new Date(wall), timeZone) * 60_000;
  return new Date(wall - offsetOf(new Date(first), timeZone) * 60_000);
}

function offsetOf(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((wall - instant.getTime()) / 60_000);
}
