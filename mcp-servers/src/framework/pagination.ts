import { createHash } from 'node:crypto';
import { AppError } from '@crm/core/contracts';
import { z } from 'zod';

/** A cursor is opaque to clients: base64url JSON that only this server reads back. */
export function encodeCursor(payload: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...payload }), 'utf8').toString('base64url');
}

const badCursor = (reason: string) => AppError.validation([{ path: 'cursor', reason }]);

export function decodeCursor<S extends z.ZodType>(cursor: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('is not a cursor returned by this tool; omit it to start from the first page');
  }
  const version = z.object({ v: z.literal(1) }).safeParse(raw);
  const parsed = schema.safeParse(raw);
  if (!version.success || !parsed.success) throw badCursor('is not a cursor returned by this tool; omit it to start from the first page');
  return parsed.data;
}

/**
 * Short fingerprint of the query a cursor belongs to, so a cursor replayed with other filters
 * is rejected instead of silently paging through a different result set.
 */
export function queryFingerprint(query: Record<string, unknown>): string {
  const keys = Object.keys(query).filter((k) => k !== 'cursor' && query[k] !== undefined).sort();
  const canonical = JSON.stringify(keys.map((k) => [k, query[k]]));
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 12);
}

/** Page-number cursors for offset-paged services (contacts.list). */
export const pageCursor = {
  encode(page: number, query: Record<string, unknown>): string {
    return encodeCursor({ page, q: queryFingerprint(query) });
  },
  decode(cursor: string | undefined, query: Record<string, unknown>): number {
    if (!cursor) return 1;
    const { page, q } = decodeCursor(cursor, z.object({ page: z.number().int().min(1), q: z.string() }));
    if (q !== queryFingerprint(query)) throw badCursor('belongs to a different query; repeat the same filters or omit the cursor');
    return page;
  },
};
