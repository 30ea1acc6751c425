import { randomUUID } from 'node:crypto';
import type { ErrorCode, FieldIssue, Logger } from '@crm/core';
import { isAppError, isPoolBusy, toDatabaseUnavailable } from '@crm/core/contracts';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface ToolError {
  code: ErrorCode;
  message: string;
  details?: FieldIssue[] | Record<string, unknown>;
  retryAfter?: number;
  /** The HTTP request id (X-Request-Id), so a user's report can be matched with the server log. */
  traceId?: string;
}

/** What a client may read of a failure whose message could carry internals (SQL, a provider's or Pinecone's reply). */
const PUBLIC_MESSAGE: Partial<Record<ErrorCode, string>> = {
  INTERNAL: 'Internal error; try again later',
  DATABASE_UNAVAILABLE: 'The database is unavailable; try again later',
  AI_SERVICE_UNAVAILABLE: 'The AI service is temporarily unavailable; try again later',
};

/** structuredContent for the machine, and a text block (summary line + JSON) for clients that only show text. */
export function successResult(structured: Record<string, unknown>, summary: string): CallToolResult {
  return { content: [{ type: 'text', text: `${summary}\n${JSON.stringify(structured)}` }], structuredContent: structured };
}

/**
 * A domain error as a tool *result* (isError), so the model can read it and correct itself. No
 * structuredContent: clients validate it against the success output schema.
 */
export function errorResult(error: ToolError): CallToolResult {
  const first = Array.isArray(error.details) ? error.details[0] : undefined;
  const hint = first && !error.message.includes(first.reason) ? ` (${first.path || 'input'}: ${first.reason})` : '';
  return { content: [{ type: 'text', text: `${error.code}: ${error.message}${hint}\n${JSON.stringify({ error })}` }], isError: true };
}

/** Map anything thrown by a handler; internal failures are logged with a reference and never leak. */
export function toToolError(err: unknown, logger: Logger, tool: string, traceId?: string): ToolError {
  const trace = traceId ? { traceId } : {};
  // a raw driver error from an outage is still DATABASE_UNAVAILABLE, not INTERNAL
  err = toDatabaseUnavailable(err) ?? err;
  if (isAppError(err)) {
    const hidden = isPoolBusy(err) ? 'The server is busy: all its database connections are in use; try again shortly' : PUBLIC_MESSAGE[err.code];
    // an outage or a full pool is one line per call, not a stack (QA round 7: 54 stacks in 30 s under load)
    if (err.code === 'DATABASE_UNAVAILABLE') logger.warn({ tool, code: err.code, reason: (err.details as { reason?: unknown } | undefined)?.reason, ...trace }, 'tool failed: database unavailable');
    else if (hidden) logger.error({ err, tool, ...trace }, 'tool failed');
    return {
      code: err.code,
      message: hidden ?? err.message,
      ...(err.details !== undefined && !hidden ? { details: err.details } : {}),
      ...(err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}),
      ...trace,
    };
  }
  const ref = traceId ?? randomUUID().slice(0, 8);
  logger.error({ err, tool, ref }, 'tool failed unexpectedly');
  return { code: 'INTERNAL', message: `Internal error (reference ${ref}); the server log has the details`, ...trace };
}

/** Read the error back out of an isError result (for agents calling tools over MCP). */
export function parseToolError(result: { isError?: boolean; content?: unknown }): ToolError | undefined {
  if (!result.isError || !Array.isArray(result.content)) return undefined;
  const text = (result.content as { type: string; text?: string }[]).find((c) => c.type === 'text')?.text ?? '';
  const json = text.slice(text.indexOf('\n') + 1);
  try {
    return (JSON.parse(json) as { error: ToolError }).error;
  } catch {
    return { code: 'INTERNAL', message: text };
  }
}
