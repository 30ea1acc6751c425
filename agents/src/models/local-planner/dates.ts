/**
 * Relative dates in the tenant's time zone: "today", "tomorrow", "Friday", "next Friday",
 * "in 3 days", "next week", "2025-03-14", "14 March". Returns the calendar date (YYYY-MM-DD)
 * and the instant of 09:00 local time on it, or undefined when the text names no date.
 */
export interface ResolvedDate {
  date: string;
  /** ISO instant of 09:00 on that date in the time zone. */
  at: string;
  /** The words that named it, for the answer ("next Friday"). */
  phrase: string;
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
  const plus = (days: number, phrase: string) => at(new Date(Date.UTC(today.y, today.m - 1, today.d + days)), timeZone, phrase);

  const iso = lower.match(/\b(\d{4})-(\d{2})-(\d{2})\b/);
  if (iso) return at(new Date(Date.UTC(+iso[1], +iso[2] - 1, +iso[3])), timeZone, iso[0]);
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
    return at(new Date(Date.UTC(year, month, +dayMonth[1])), timeZone, dayMonth[0]);
  }
  return undefined;
}

function swap(m: RegExpMatchArray | null): RegExpMatchArray | null {
  if (!m) return null;
  const out = [m[0], m[2], m[1]] as unknown as RegExpMatchArray;
  return out;
}

/** 09:00 wall-clock time on `day` (a UTC-midnight Date naming the calendar day) in `timeZone`. */
function at(day: Date, timeZone: string, phrase: string): ResolvedDate {
  const date = day.toISOString().slice(0, 10);
  const guess = new Date(`${date}T09:00:00Z`);
  const offsetMinutes = offsetOf(guess, timeZone);
  return { date, at: new Date(guess.getTime() - offsetMinutes * 60_000).toISOString(), phrase };
}

function offsetOf(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((wall - instant.getTime()) / 60_000);
}
