import { createHash } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import type { Actor } from '../users/user.schema.ts';

/** How long a key and its response are kept (the design's "keys kept 24 hours"). */
export const IDEMPOTENCY_TTL_HOURS = 24;
/** A request still "in progress" after this long died with its process: its key may be taken again. */
export const IDEMPOTENCY_STALE_SECONDS = 120;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type IdempotencyStart = { state: 'started' } | ({ state: 'replay' } & StoredResponse);

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What "the same request" means: method, path, who sends it and the body (key order ignored). */
export function requestFingerprint(parts: { method: string; path: string; userId: string | null; body: unknown }): string {
  return createHash('sha256')
    .update(`${parts.method.toUpperCase()} ${parts.path}\n${parts.userId ?? ''}\n${canonical(parts.body ?? null)}`)
    .digest('hex');
}

interface KeyRow {
  request_hash: string;
  state: 'in_progress' | 'completed';
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

/**
 * Idempotency keys of one tenant (RLS-scoped like every tenant table). `begin` claims a key or
 * says what to do instead; the caller then `complete`s it with the response, or `release`s it
 * when the request failed in a way a retry may fix (5xx).
 */
export function createIdempotencyService(db: Database) {
  return {
    async begin(actor: Actor, key: string, fingerprint: string): Promise<IdempotencyStart> {
      if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
        throw AppError.validation([{ path: 'headers.idempotency-key', reason: 'must be 1-255 visible ASCII characters' }]);
      }
      return db.withTenant(actor.tenantId, async (em) => {
        await em.execute(
          `DELETE FROM idempotency_keys WHERE key = ? AND (expires_at < now() OR (state = 'in_progress' AND created_at < now() - make_interval(secs => ?)))`,
          [key, IDEMPOTENCY_STALE_SECONDS],
        );
        const inserted = await em.execute<{ key: string }[]>(
          `INSERT INTO idempotency_keys (tenant_id, key, request_hash, user_id, expires_at)
           VALUES (?, ?, ?, ?, now() + make_interval(hours => ?)) ON CONFLICT (tenant_id, key) DO NOTHING RETURNING key`,
          [actor.tenantId, key, fingerprint, actor.userId ?? null, IDEMPOTENCY_TTL_HOURS],
        );
        if (inserted.length) return { state: 'started' as const };
        const [row] = await em.execute<KeyRow[]>(
          'SELECT request_hash, state, response_status, response_headers, response_body FROM idempotency_keys WHERE key = ?',
          [key],
        );
        if (!row) throw new AppError('CONFLICT', 'The idempotency key is being released by another request; retry', { retryAfter: 1 });
        if (row.request_hash !== fingerprint) {
          throw new AppError(
            'IDEMPOTENCY_KEY_REUSED',
            'This Idempotency-Key was already used for a different request (method, path, user or body); use a new key for a new request',
            { details: [{ path: 'headers.idempotency-key', reason: 'already used for a different request' }] },
          );
        }
        if (row.state === 'in_progress') {
          throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress; retry when it has finished', {
            details: [{ path: 'headers.idempotency-key', reason: 'request in progress' }],
            retryAfter: 1,
          });
        }
        return { state: 'replay' as const, status: row.response_status ?? 200, headers: row.response_headers ?? {}, body: row.response_body ?? '' };
      });
    },

    async complete(actor: Actor, key: string, response: StoredResponse): Promise<void> {
      await db.withTenant(actor.tenantId, (em) =>
        em.execute(
          `UPDATE idempotency_keys SET state = 'completed', response_status = ?, response_headers = ?, response_body = ?, completed_at = now()
           WHERE key = ? AND state = 'in_progress'`,
          [response.status, JSON.stringify(response.headers), response.body, key],
        ),
      );
    },

    /** Forget a key whose request failed (5xx): the client's retry runs again. */
    async release(actor: Actor, key: string): Promise<void> {
      await db.withTenant(actor.tenantId, (em) => em.execute(`DELETE FROM idempotency_keys WHERE key = ? AND state = 'in_progress'`, [key]));
    },

    /** Delete expired keys of every tenant (the scheduled purge). */
    async purgeExpired(): Promise<number> {
      return db.asWorker(async (client) => {
        const res = await client.query('DELETE FROM idempotency_keys WHERE expires_at < now()');
        return res.rowCount ?? 0;
      });
    },
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
