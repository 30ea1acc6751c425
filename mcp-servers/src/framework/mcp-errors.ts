import type { ErrorCode as AppErrorCode, Logger } from '@crm/core';
import { isAppError, toDatabaseUnavailable } from '@crm/core/contracts';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * "Resource not found": -32602 (Invalid Params), as SEP-2164 (Final) standardises it and as the
 * TypeScript SDK answers a URI no resource or template matches. Before, a known template with an
 * unknown id was the spec's older -32002 while an unknown URI was the SDK's -32602: a client had to
 * handle both for one condition. Now both are -32602, with `data.code: "NOT_FOUND"` to tell "no
 * such record" from a malformed parameter.
 */
export const RESOURCE_NOT_FOUND = ErrorCode.InvalidParams;

const JSON_RPC_CODE: Record<AppErrorCode, number> = {
  NOT_FOUND: RESOURCE_NOT_FOUND,
  VALIDATION_FAILED: ErrorCode.InvalidParams,
  CONFLICT: ErrorCode.InvalidRequest,
  IDEMPOTENCY_KEY_REUSED: ErrorCode.InvalidParams,
  PERMISSION_DENIED: ErrorCode.InvalidRequest,
  UNAUTHENTICATED: ErrorCode.InvalidRequest,
  RATE_LIMIT_EXCEEDED: ErrorCode.InvalidRequest,
  BUDGET_EXCEEDED: ErrorCode.InvalidRequest,
  AI_SERVICE_UNAVAILABLE: ErrorCode.InternalError,
  DATABASE_UNAVAILABLE: ErrorCode.InternalError,
  SERVICE_UNAVAILABLE: ErrorCode.InternalError,
  INTERNAL: ErrorCode.InternalError,
};

/**
 * Resources and prompts have no isError result: a domain error becomes a JSON-RPC error whose
 * `data` carries the domain code and field details. Internal failures never leak their message.
 */
export function toMcpError(err: unknown, logger: Logger, where: string): McpError {
  if (err instanceof McpError) return err;
  err = toDatabaseUnavailable(err) ?? err;
  if (isAppError(err)) {
    const internal = JSON_RPC_CODE[err.code] === ErrorCode.InternalError;
    if (internal) logger.error({ err, where }, 'request failed');
    return new McpError(JSON_RPC_CODE[err.code], internal ? 'Internal error; try again later' : err.message, {
      code: err.code,
      ...(err.details !== undefined && !internal ? { details: err.details } : {}),
    });
  }
  logger.error({ err, where }, 'request failed unexpectedly');
  return new McpError(ErrorCode.InternalError, 'Internal error; the server log has the details', { code: 'INTERNAL' });
}

/** Wrap a resource/prompt callback so domain errors surface as proper JSON-RPC errors. */
export function guarded<A extends unknown[], R>(logger: Logger, where: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toMcpError(err, logger, where);
    }
  };
}

/**
 * Wrap a resource template's `list` callback. resources/list merges every template of the server
 * into one answer, so a template the caller's role may not read (workflows, for a sales rep) lists
 * nothing instead of failing the whole listing that Claude Desktop or the Inspector asks for on
 * connect. Reading such a resource still answers PERMISSION_DENIED.
 */
export function guardedList<A extends unknown[], R extends { resources: unknown[] }>(logger: Logger, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R | { resources: [] }> {
  return guarded(logger, 'resources/list', async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      if (isAppError(err) && err.code === 'PERMISSION_DENIED') return { resources: [] as [] };
      throw err;
    }
  });
}
