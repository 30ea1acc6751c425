import { AppError, isAppError } from '../errors/app-error.ts';

/** Errors that mean "the database cannot be reached or did not answer in time", not "the request was wrong". */
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
// 57P01 admin_shutdown (pg_terminate_backend), 57P02 crash, 57P03 cannot connect now, 57014 statement timeout,
// 53300 too many connections; class 08 is "connection exception".
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300']);
const MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /not queryable/i,
  /timeout acquiring a connection/i,
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
