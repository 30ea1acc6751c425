import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * Call an MCP tool and return its structured result; a tool error (`isError`) becomes an Error
 * naming the tool and carrying the tool's own message (the automation records it as the failure).
 */
export async function callToolData<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (res.isError) throw new Error(`${name} failed: ${(res.content[0] as { text?: string } | undefined)?.text ?? 'unknown error'}`);
  return res.structuredContent as T;
}
