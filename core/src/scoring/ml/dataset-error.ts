/**
 * A problem with the data a user handed us (a CSV export, a set of CRM records). `field` names
 * the input that is wrong (`target`, `csv`, `exclude`, a column name) and `reason` says why in a
 * sentence the user can act on. Callers map it to their own error type (e.g. AppError
 * VALIDATION_FAILED with `details: [{ path: field, reason, row }]`).
 */
export class DatasetError extends Error {
  readonly field: string;
  readonly reason: string;
  /** 1-based data row (header excluded) when the problem is one row. */
  readonly row?: number;

  constructor(field: string, reason: string, row?: number) {
    super(`${field}: ${reason}`);
    this.name = 'DatasetError';
    this.field = field;
    this.reason = reason;
    this.row = row;
  }
}

export function isDatasetError(err: unknown): err is DatasetError {
  return err instanceof DatasetError;
}
