import { AppError } from './app-error.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): boolean {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** The one UUID check: VALIDATION_FAILED naming the field, before a malformed id reaches SQL. */
export function assertUuid(value: unknown, path = 'id'): asserts value is string {
  if (!isUuid(value)) throw AppError.validation([{ path, reason: 'must be a UUID' }]);
}
