import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeCursor, encodeCursor, pageCursor, queryFingerprint } from './pagination.ts';

describe('cursor pagination', () => {
  it('round-trips page cursors bound to their query', () => {
    const query = { search: 'acme', limit: 20 };
    const cursor = pageCursor.encode(3, query);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(pageCursor.decode(cursor, { limit: 20, search: 'acme' })).toBe(3);
    expect(pageCursor.decode(undefined, query)).toBe(1);
  });

  it('rejects a cursor replayed with other filters, and garbage, naming the cursor field', () => {
    const cursor = pageCursor.encode(2, { search: 'acme', limit: 20 });
    expect(() => pageCursor.decode(cursor, { search: 'other', limit: 20 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'cursor' })] }));
    expect(() => pageCursor.decode('!!!', {})).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => decodeCursor(encodeCursor({ page: 'x' }), z.object({ page: z.number() }))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => decodeCursor(Buffer.from('{"v":2,"page":1}').toString('base64url'), z.object({ page: z.number() }))).toThrow();
  });

  it('fingerprints ignore key order, undefined values and the cursor itself', () => {
    expect(queryFingerprint({ a: 1, b: undefined, cursor: 'x' })).toBe(queryFingerprint({ a: 1 }));
    expect(queryFingerprint({ a: 1, c: 2 })).toBe(queryFingerprint({ c: 2, a: 1 }));
    expect(queryFingerprint({ a: 1 })).not.toBe(queryFingerprint({ a: 2 }));
  });
});
