import { AppError } from '@crm/core/contracts';

/** One line for stderr: the error code, message and the first field issues. */
export function describeError(err: unknown): string {
  if (err instanceof AppError) {
    // the issue the message already states ("Invalid input — path: reason", "CSV file rejected — reason") is not repeated
    const stated = (d: { path: string; reason: string }) => err.message.includes(`${d.path}: ${d.reason}`) || err.message.endsWith(d.reason);
    const details = Array.isArray(err.details)
      ? err.details
          .filter((d) => !stated(d))
          .slice(0, 5)
          .map((d) => `${d.row ? `row ${d.row} ` : ''}${d.path}: ${d.reason}`)
          .join('; ')
      : '';
    return `${err.code}: ${err.message}${details ? ` (${details})` : ''}`;
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return `File not found: ${e.path}`;
  if (e?.code === 'EISDIR') return `${e.path ?? 'the path given'} is a directory, not a file`;
  if (e?.code === 'EACCES') return `Permission denied: ${e.path}`;
  return `Unexpected error: ${e?.message ?? String(err)}`;
}
