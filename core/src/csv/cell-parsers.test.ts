import { describe, expect, it } from 'vitest';
import { durationUnitOf, parseDate, parseDurationMinutes, parseList, parseNumber, unescapeFormula } from './cell-parsers.ts';

const iso = (raw: string) => {
  const r = parseDate(raw);
  return r.ok ? r.value.toISOString() : `error: ${r.reason}`;
};

describe('parseDate', () => {
  it.each([
    ['2024-03-15', '2024-03-15T00:00:00.000Z'],
    ['2024-03-15T10:30:00Z', '2024-03-15T10:30:00.000Z'],
    ['2024-03-15T10:30:00.123+02:00', '2024-03-15T08:30:00.123Z'],
    ['2024-03-15T10:30:00-0500', '2024-03-15T15:30:00.000Z'],
    ['2024-03-15 10:30', '2024-03-15T10:30:00.000Z'],
    ['2024-03-15 10:30:45', '2024-03-15T10:30:45.000Z'],
    // PostgreSQL's timestamptz text (psql \copy, pg_dump): zone as hours only, microseconds
    ['2026-11-30 17:41:56.571234+00', '2026-11-30T17:41:56.571Z'],
    ['2024-03-15 10:30:00+05:30', '2024-03-15T05:00:00.000Z'],
    ['2024-03-15 10:30:00-08', '2024-03-15T18:30:00.000Z'],
    ['03/15/2024', '2024-03-15T00:00:00.000Z'],
    ['3/5/2024', '2024-03-05T00:00:00.000Z'],
    ['3/15/2024 2:05 PM', '2024-03-15T14:05:00.000Z'],
    ['3/15/2024, 12:05 AM', '2024-03-15T00:05:00.000Z'],
  ])('%s → %s (UTC when no zone is given)', (raw, expected) => {
    expect(iso(raw)).toBe(expected);
  });

  it.each(['15/03/2024', '2024-02-30', '02/30/2024', 'yesterday', '2024-03-15 25:00'])('rejects %s', (raw) => {
    expect(iso(raw)).toMatch(/^error: /);
  });
});

describe("parseDate in the importing tenant's zone", () => {
  const at = (raw: string, zone: string, order: 'dmy' | 'mdy' = 'dmy') => {
    const r = parseDate(raw, order, zone);
    return r.ok ? r.value.toISOString() : `error: ${r.reason}`;
  };
  it('reads a date alone as the start of that local day and a time without a zone as local time; an explicit zone is kept', () => {
    expect(at('2026-11-20', 'America/Los_Angeles')).toBe('2026-11-20T08:00:00.000Z');
    expect(at('20/11/2026', 'Pacific/Auckland')).toBe('2026-11-19T11:00:00.000Z');
    expect(at('2026-11-20 23:30', 'America/Los_Angeles')).toBe('2026-11-21T07:30:00.000Z');
    expect(at('11/20/2026 9:15 PM', 'America/Los_Angeles', 'mdy')).toBe('2026-11-21T05:15:00.000Z');
    expect(at('2026-11-21T06:00:00Z', 'America/Los_Angeles')).toBe('2026-11-21T06:00:00.000Z');
    expect(at('2026-11-21T06:00:00+01:00', 'America/Los_Angeles')).toBe('2026-11-21T05:00:00.000Z');
    expect(at('2026-02-30', 'America/Los_Angeles')).toMatch(/^error: is not a real calendar date/);
  });
});

describe('parseNumber / parseDurationMinutes / parseList', () => {
  it('coerces scores', () => {
    expect(parseNumber('85')).toEqual({ ok: true, value: 85 });
    expect(parseNumber(' 85.0 ')).toEqual({ ok: true, value: 85 });
    expect(parseNumber('72,5')).toEqual({ ok: true, value: 72.5 });
    expect(parseNumber('90%')).toEqual({ ok: true, value: 90 });
    expect(parseNumber('high')).toEqual({ ok: false, reason: 'must be a number (got "high")' });
  });

  it('reads minutes and h:mm durations', () => {
    expect(parseDurationMinutes('45')).toEqual({ ok: true, value: 45 });
    expect(parseDurationMinutes('45 min')).toEqual({ ok: true, value: 45 });
    expect(parseDurationMinutes('1:30')).toEqual({ ok: true, value: 90 });
    expect(parseDurationMinutes('0:05:40')).toEqual({ ok: true, value: 6 });
    expect(parseDurationMinutes('an hour').ok).toBe(false);
    // QA round 4: a header naming its unit (Salesforce "CallDurationInSeconds", "Duration (ms)")
    expect(['Call Duration (seconds)', 'CallDurationInSeconds', 'Duration in secs', 'duration_sec'].map(durationUnitOf)).toEqual(['seconds', 'seconds', 'seconds', 'seconds']);
    expect(['Duration (ms)', 'Call Duration (milliseconds)'].map(durationUnitOf)).toEqual(['milliseconds', 'milliseconds']);
    expect(['Call Duration', 'Duration (minutes)', 'Call Duration (HH:mm:ss)', 'Dauer'].map(durationUnitOf)).toEqual(['minutes', 'minutes', 'minutes', 'minutes']);
    expect(parseDurationMinutes('330', 'seconds')).toEqual({ ok: true, value: 6 });
    expect(parseDurationMinutes('00:05:30', 'seconds')).toEqual({ ok: true, value: 6 });
    expect(parseDurationMinutes('1830000', 'milliseconds')).toEqual({ ok: true, value: 31 });
    expect(parseDurationMinutes('5 min', 'seconds')).toEqual({ ok: false, reason: 'must be a number of seconds ("90") or h:mm:ss ("0:01:30") (got "5 min")' });
  });

  it('splits lists on semicolons first, then commas, and reads JSON arrays', () => {
    expect(parseList('a; b ;;c')).toEqual({ ok: true, value: ['a', 'b', 'c'] });
    expect(parseList('a, b, a')).toEqual({ ok: true, value: ['a', 'b'] });
    expect(parseList('x, y; z')).toEqual({ ok: true, value: ['x, y', 'z'] });
    expect(parseList('["a,b","c"]')).toEqual({ ok: true, value: ['a,b', 'c'] });
  });

  it('undoes only the formula guard apostrophe', () => {
    expect(unescapeFormula("'=SUM(A1)")).toBe('=SUM(A1)');
    expect(unescapeFormula("'+1 555")).toBe('+1 555');
    expect(unescapeFormula("'quoted'")).toBe("'quoted'");
  });
});
