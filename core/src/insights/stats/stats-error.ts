/**
 * Bad input to a statistics routine: `field` names the argument (`series`, `period`, `alpha`) and
 * `reason` says what is wrong in a sentence a caller can pass on. The library knows nothing about
 * the CRM; callers map this to their own error type (AppError VALIDATION_FAILED).
 */
export class StatsError extends Error {
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'StatsError';
    this.field = field;
    this.reason = reason;
  }
}

export function isStatsError(err: unknown): err is StatsError {
  return err instanceof StatsError;
}

export function requireFinite(field: string, xs: ArrayLike<number>, minLength = 0): void {
  if (xs.length < minLength) throw new StatsError(field, `needs at least ${minLength} values, got ${xs.length}`);
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) throw new StatsError(field, `value at index ${i} is not a finite number`);
  }
}
