import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

/**
 * McpError puts "MCP error -32602: " into its message, the protocol layer sends that message as
 * the JSON-RPC error's, and the SDK client prefixes it again: clients read "MCP error -32602: MCP
 * error -32602: Invalid params…". The wire carries the message alone (the code is beside it).
 */
function onWire(err: McpError): McpError {
  const bare = err.message.replace(/^MCP error -?\d+: /, '');
  if (bare !== err.message) Object.defineProperty(err, 'message', { value: bare, configurable: true, writable: true });
  return err;
}

/**
 * The SDK parses each request's params with a schema before our handler runs and lets the
 * ZodError through, which its protocol layer reports as -32603 Internal error. JSON-RPC says
 * params that do not fit the method are -32602 Invalid params: say so, with the fields at fault.
 * Call after every handler is installed.
 */
export function reportInvalidParams(server: McpServer): void {
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, Handler> })._requestHandlers;
  for (const [method, handler] of handlers) {
    handlers.set(method, async (request, extra) => {
      try {
        return await handler(request, extra);
      } catch (err) {
        if (err instanceof McpError) throw onWire(err);
        // zod's own error (ZodError or $ZodError, by zod version), not an McpError or a handler's failure
        if (!/ZodError$/.test((err as Error)?.name ?? '') || !Array.isArray((err as { issues?: unknown }).issues)) throw err;
        const issues = ((err as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? []).map((i) => ({
          path: i.path.map(String).join('.'),
          reason: i.message,
        }));
        const first = issues[0];
        throw onWire(new McpError(ErrorCode.InvalidParams, `Invalid params for ${method}${first ? ` — ${first.path || '(params)'}: ${first.reason}` : ''}`, { issues }));
      }
    });
  }
}
