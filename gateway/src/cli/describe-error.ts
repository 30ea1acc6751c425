import { AppError } from '@crm/core/contracts';

/** One line for stderr: the error code, message and the first field issues. */
export function describeError(err: unknown): string {
  if (err instanceof AppError) {
    const details = Array.isArray(err.details)
      ? err.details
          .slice(0, 5)
          .map((d) => `${d.row ? `row ${d.row} ` : ''}${d.path}: ${d.reason}`)
          .join('; ')
      : '';
    return `${err.code}: ${err.message}${details && !err.message.includes(details) ? ` (${details})` : ''}`;
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return `File not found: ${e.path}`;
  if (e?.code === 'EACCES') return `Permission denied: ${e.path}`;
  return `Unexpected error: ${e?.message ?? String(err)}`;
}
