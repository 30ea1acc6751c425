import { describe, expect, it } from 'vitest';
import { endOfLocalDay } from './local-day.ts';

// Fixed instants only: nothing here depends on the real clock or the machine's zone.
describe('endOfLocalDay', () => {
  it('ends "today" at the tenant\'s midnight, not UTC\'s', () => {
    // 23:30 UTC on 1 July is 00:30 on 2 July in London (BST) and 08:30 on 2 July in Tokyo.
    const now = new Date('2026-07-01T23:30:00Z');
    expect(endOfLocalDay(now, 'UTC').toISOString()).toBe('2026-07-01T23:59:59.999Z');
    expect(endOfLocalDay(now, 'Europe/London').toISOString()).toBe('2026-07-02T22:59:59.999Z');
    expect(endOfLocalDay(now, 'Asia/Tokyo').toISOString()).toBe('2026-07-02T14:59:59.999Z');
    expect(endOfLocalDay(now, 'America/New_York').toISOString()).toBe('2026-07-02T03:59:59.999Z');
  });

  it('follows the winter offset and the days on which the clocks change', () => {
    expect(endOfLocalDay(new Date('2026-01-15T12:00:00Z'), 'Europe/London').toISOString()).toBe('2026-01-15T23:59:59.999Z');
    // 29 March 2026: London springs forward at 01:00 UTC; the day ends at 23:00 UTC.
    expect(endOfLocalDay(new Date('2026-03-29T00:30:00Z'), 'Europe/London').toISOString()).toBe('2026-03-29T22:59:59.999Z');
    // 25 October 2026: London falls back; that day is 25 hours long and ends at midnight UTC.
    expect(endOfLocalDay(new Date('2026-10-25T00:30:00Z'), 'Europe/London').toISOString()).toBe('2026-10-25T23:59:59.999Z');
  });

  it('refuses a zone that is not an IANA zone, naming it', () => {
    expect(() => endOfLocalDay(new Date('2026-07-01T00:00:00Z'), 'Mars/Olympus')).toThrow(/time zone "Mars\/Olympus" is not an IANA time zone/);
  });
});
