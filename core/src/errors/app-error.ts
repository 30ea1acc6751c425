/**
 * The one error type the domain throws. `code` is a closed union so every transport can map it
 * exhaustively (REST status table, MCP isError results, CLI exit codes).
 */
export const ERROR_CODES = [
  'NOT_FOUND',
  'VALIDATION_FAILED',
  'CONFLICT',
  /** An Idempotency-Key sent again with a different request. */
  'IDEMPOTENCY_KEY_REUSED',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'RATE_LIMIT_EXCEEDED',
  'BUDGET_EXCEEDED',
  'AI_SERVICE_UNAVAILABLE',
  'DATABASE_UNAVAILABLE',
  /** The process is stopping (Ctrl+C, SIGTERM, a rolling update): retry, another replica or the restarted one answers. */
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one input field: `path` is dotted (`metadata.campaignId`, `rows.3.email`). */
export interface FieldIssue {
  path: string;
  reason: string;
  row?: number;
}

export interface AppErrorOptions {
  details?: FieldIssue[] | Record<string, unknown>;
  retryAfter?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: AppErrorOptions['details'];
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  static notFound(entity: string, id: string): AppError {
    return new AppError('NOT_FOUND', `${entity} ${id} not found`, { details: { entity, id } });
  }

  static validation(issues: FieldIssue[], message?: string): AppError {
    const first = issues[0];
    const summary = first ? `${first.path || '(input)'}: ${first.reason}` : 'invalid input';
    return new AppError('VALIDATION_FAILED', message ?? `Invalid input — ${summary}`, { details: issues });
  }

  /**
   * `err` with its field issue at `from` named `to`: for a caller that hands a field to a service
   * under another name (the knowledge base's `bytes` arrive as MCP's `content`, REST's `content`
   * or `contentBase64`). Anything else is returned as it is.
   */
  static renamingIssue(err: unknown, from: string, to: string): unknown {
    if (!(err instanceof AppError) || err.code !== 'VALIDATION_FAILED' || !Array.isArray(err.details)) return err;
    const issues = err.details as FieldIssue[];
    if (!issues.some((i) => i.path === from)) return err;
    return AppError.validation(issues.map((i) => (i.path === from ? { ...i, path: to } : i)));
  }

  static denied(permission: string, reason?: string): AppError {
    return new AppError('PERMISSION_DENIED', reason ?? `Missing permission ${permission}`, {
      details: { permission },
    });
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
