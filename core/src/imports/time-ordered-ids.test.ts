import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { timeOrderedIds } from './time-ordered-ids.ts';

describe('timeOrderedIds', () => {
  it('gives valid, unique version-7 UUIDs carrying the time, ascending within a call and across calls', () => {
    const a = timeOrderedIds(5000, Date.UTC(2026, 10, 29, 12));
    const b = timeOrderedIds(5000, Date.UTC(2026, 10, 29, 12) + 1);
    for (const id of [...a, ...b]) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(z.uuid().safeParse(id).success).toBe(true);
    }
    expect(new Set([...a, ...b]).size).toBe(10_000);
    expect([...a].sort()).toEqual(a);
    expect(a[a.length - 1] < b[0]).toBe(true);
    expect(parseInt(a[0].replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2026, 10, 29, 12));
  });
});
