import { AppError, isAppError } from '../errors/app-error.ts';

/** Errors that mean "the database cannot be reached or did not answer in time", not "the request was wrong". */
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
// 57P01 admin_shutdown (pg_terminate_backend), 57P02 crash, 57P03 cannot connect now, 57014 statement timeout,
// 53300 too many connections; class 08 is "connection exception".
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300']);
// waiting for a pooled connection ran out of time: knex/tarn's message, then pg-pool's
const ACQUIRE_TIMEOUT = [/timeout acquiring a connection/i, /timeout exceeded when trying to connect/i];
const MESSAGES = [
  ...ACQUIRE_TIMEOUT,
  /connection terminated/i,
  /query read timeout/i,
  /not queryable/i,
  /connection ended unexpectedly/i,
  /cannot use a pool after calling end/i,
  /server closed the connection/i,
  /terminating connection/i,
  // knex, when the connection of an open transaction died under it
  /transaction query already complete/i,
];

function looksUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (NODE_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08')) return true;
    // the Unix socket of an embedded database whose owning process has stopped
    if (code === 'ENOENT' && (e as { syscall?: unknown }).syscall === 'connect') return true;
    if (e.name === 'KnexTimeoutError') return true;
    if (typeof e.message === 'string' && MESSAGES.some((re) => re.test(e!.message as string))) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Waiting for a connection of this process's pool ran out of time (knex/tarn or pg-pool), as opposed to a query or a connect failing. */
export function isAcquireTimeout(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | undefined;
  return e?.name === 'KnexTimeoutError' || (typeof e?.message === 'string' && ACQUIRE_TIMEOUT.some((re) => re.test(e.message as string)));
}

/**
 * A pool's connections were all checked out when a request gave up waiting for one: the limit is
 * this process's pool (DB_POOL_MAX), with long requests or a slow database behind it — not an
 * unreachable database. Said so, with `details.reason: "pool_busy"` and the pool's size.
 */
export function poolBusy(err: unknown, poolMax: number, retryAfterSeconds = 5): AppError {
  return new AppError(
    'DATABASE_UNAVAILABLE',
    `The server is busy: all ${poolMax} of its database connections are in use (long requests or a slow database); retry in ${retryAfterSeconds} s, or raise DB_POOL_MAX`,
    { retryAfter: retryAfterSeconds, details: { reason: 'pool_busy', poolMax }, cause: err },
  );
}

/** DATABASE_UNAVAILABLE for this `details.reason`: "pool_busy", "stopping", "timeout" or "unreachable". */
export function isUnavailableFor(err: unknown, reason: string): boolean {
  const e = err as { code?: unknown; details?: { reason?: unknown } } | undefined;
  return e?.code === 'DATABASE_UNAVAILABLE' && e.details?.reason === reason;
}

/** The error is poolBusy()'s: DATABASE_UNAVAILABLE because this process's pool was full, not because the database is down. */
export const isPoolBusy = (err: unknown): boolean => isUnavailableFor(err, 'pool_busy');

/**
 * The database failure as DATABASE_UNAVAILABLE (503 + Retry-After, MCP isError), or undefined when
 * `err` is something else. Domain errors pass through untouched.
 */
export function toDatabaseUnavailable(err: unknown, retryAfterSeconds = 5): AppError | undefined {
  if (isAppError(err)) return err.code === 'DATABASE_UNAVAILABLE' ? err : undefined;
  if (!looksUnavailable(err)) return undefined;
  const timedOut = (err as { code?: string }).code === '57014' || /timeout/i.test(String((err as Error)?.message));
  return new AppError('DATABASE_UNAVAILABLE', timedOut ? 'The database did not answer in time' : 'The database is unreachable', {
    retryAfter: retryAfterSeconds,
    details: { reason: timedOut ? 'timeout' : 'unreachable' },
    cause: err,
  });
}

/** Rethrow database outages as DATABASE_UNAVAILABLE; anything else unchanged. */
export function rethrowUnavailable(err: unknown, retryAfterSeconds?: number): never {
  throw toDatabaseUnavailable(err, retryAfterSeconds) ?? err;
}
