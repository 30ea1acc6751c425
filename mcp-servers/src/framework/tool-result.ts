import { randomUUID } from 'node:crypto';
import { isAppError, type ErrorCode, type FieldIssue, type Logger } from '@crm/core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface ToolError {
  code: ErrorCode;
  message: string;
  details?: FieldIssue[] | Record<string, unknown>;
  retryAfter?: number;
}

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
export function toToolError(err: unknown, logger: Logger, tool: string): ToolError {
  if (isAppError(err)) {
    const internal = err.code === 'INTERNAL' || err.code === 'DATABASE_UNAVAILABLE';
    if (internal) logger.error({ err, tool }, 'tool failed');
    return {
      code: err.code,
      message: internal ? `${err.code === 'INTERNAL' ? 'Internal error' : 'The database is unavailable'}; try again later` : err.message,
      ...(err.details !== undefined && !internal ? { details: err.details } : {}),
      ...(err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}),
    };
  }
  const ref = randomUUID().slice(0, 8);
  logger.error({ err, tool, ref }, 'tool failed unexpectedly');
  return { code: 'INTERNAL', message: `Internal error (reference ${ref}); the server log has the details` };
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
