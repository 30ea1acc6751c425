import { isAppError } from '@crm/core/contracts';
import type { ErrorCode } from '@crm/core';

/** sysexits-style codes so scripts can tell bad input from a down database. */
const EXIT: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 65,
  NOT_FOUND: 66,
  CONFLICT: 73,
  IDEMPOTENCY_KEY_REUSED: 65,
  PERMISSION_DENIED: 77,
  UNAUTHENTICATED: 77,
  RATE_LIMIT_EXCEEDED: 75,
  BUDGET_EXCEEDED: 75,
  AI_SERVICE_UNAVAILABLE: 69,
  DATABASE_UNAVAILABLE: 69,
  SERVICE_UNAVAILABLE: 69,
  INTERNAL: 70,
};

/** Details about these paths are the command line's own words (the action, the server's name), not input: bad usage. */
const USAGE_PATHS = new Set(['action', 'subcommand', 'command', 'verb', 'server']);

export function exitCodeFor(err: unknown): number {
  if (isAppError(err)) {
    const details = Array.isArray(err.details) ? err.details : [];
    if (err.code === 'VALIDATION_FAILED' && details.length > 0 && details.every((d) => USAGE_PATHS.has(d.path))) return 64;
    return EXIT[err.code];
  }
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  if (code.startsWith('ERR_PARSE_ARGS')) return 64;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') return 66;
  return 70;
}
