import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** How long a background agent waits for one tool call (the MCP SDK's own default is 60 s). */
export interface ToolCallOptions {
  /** Aborts the wait and tells the server (notifications/cancelled); e.g. the process is stopping. */
  signal?: AbortSignal;
  /** Milliseconds without an answer (or a progress notification) before the call fails. */
  timeoutMs?: number;
}

/**
 * Call an MCP tool and return its structured result; a tool error (`isError`) becomes an Error
 * naming the tool and carrying the tool's own message (the automation records it as the failure).
 */
export async function callToolData<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown>, options: ToolCallOptions = {}): Promise<T> {
  options.signal?.throwIfAborted();
  const request: RequestOptions = {
    ...(options.signal ? { signal: options.signal } : {}),
    // a progress notification proves the tool is still working: the wait starts over
    ...(options.timeoutMs ? { timeout: options.timeoutMs, resetTimeoutOnProgress: true, onprogress: () => {} } : {}),
  };
  const res = (await client.callTool({ name, arguments: args }, undefined, request)) as CallToolResult;
  if (res.isError) throw new Error(`${name} failed: ${(res.content[0] as { text?: string } | undefined)?.text ?? 'unknown error'}`);
  return res.structuredContent as T;
}
