import { describe, expect, it } from 'vitest';
import { isoDate } from '../errors/safe-input.schema.ts';
import { endOfLocalDay, placeInZone, placeRange } from './local-day.ts';

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

describe('placeInZone / placeRange', () => {
  const d = (v: string) => isoDate().parse(v);
  it('reads a date alone as the start of that local day, or with dayEnd as the start of the next one', () => {
    expect(placeInZone(d('2026-12-03'), 'America/Los_Angeles').toISOString()).toBe('2026-12-03T08:00:00.000Z');
    expect(placeInZone(d('2026-12-03'), 'Pacific/Auckland').toISOString()).toBe('2026-12-02T11:00:00.000Z');
    expect(placeInZone(d('2026-12-03'), 'Pacific/Auckland', 'dayEnd').toISOString()).toBe('2026-12-03T11:00:00.000Z');
    // the end of one day is the start of the next; 25 October 2026 (clocks go back in London) has 25 hours
    expect(placeInZone(d('2026-10-24'), 'Europe/London', 'dayEnd').getTime() - placeInZone(d('2026-10-25'), 'Europe/London').getTime()).toBe(0);
    expect(placeInZone(d('2026-10-25'), 'Europe/London', 'dayEnd').getTime() - placeInZone(d('2026-10-25'), 'Europe/London').getTime()).toBe(25 * 3600_000);
  });

  it('reads an offset-less date-time as wall-clock time there and keeps an explicit Z or offset', () => {
    expect(placeInZone(d('2026-12-03T10:00'), 'America/Los_Angeles', 'dayEnd').toISOString()).toBe('2026-12-03T18:00:00.000Z');
    expect(placeInZone(d('2026-12-03T10:00:00Z'), 'America/Los_Angeles').toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(placeInZone(d('2026-12-03T10:00:00+01:00'), 'Pacific/Auckland', 'dayEnd').toISOString()).toBe('2026-12-03T09:00:00.000Z');
  });

  it('makes a period whose date-only end includes that day', () => {
    const november = placeRange({ start: d('2026-11-01'), end: d('2026-11-30') }, 'Pacific/Auckland');
    expect([november.start.toISOString(), november.end.toISOString()]).toEqual(['2026-10-31T11:00:00.000Z', '2026-11-30T11:00:00.000Z']);
    const instants = placeRange({ start: d('2026-11-01T00:00:00Z'), end: d('2026-12-01T00:00:00Z') }, 'Pacific/Auckland');
    expect([instants.start.toISOString(), instants.end.toISOString()]).toEqual(['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z']);
  });
});
