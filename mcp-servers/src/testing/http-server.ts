import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CrmCore } from '@crm/core';
import { createMcpHttpHandler, type McpHttpHandler, type McpHttpHandlerOptions } from '../transports/http-handler.ts';

/**
 * What the gateway will do, in twenty lines of node:http: resolve the bearer API key to an actor
 * and hand the raw request to the MCP handler.
 */
export async function serveMcpHttp(core: CrmCore, options: Partial<McpHttpHandlerOptions> = {}) {
  const handler: McpHttpHandler = createMcpHttpHandler({ core, server: 'crm-data', ...options });
  const server = http.createServer(async (req, res) => {
    if (!req.url?.startsWith(`/mcp/${options.server ?? 'crm-data'}`)) return void res.writeHead(404).end();
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const actor = token ? await core.users.authenticate(token).catch(() => undefined) : undefined;
    await handler.handle(req, res, { auth: actor ? { actor, token } : undefined });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp/${options.server ?? 'crm-data'}`;
  return {
    url,
    handler,
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface SseEvent {
  id?: string;
  data?: unknown;
}

/** Read SSE events from a fetch response until `until` says stop (then the stream is cancelled, like a dropped connection). */
export async function readSse(res: Response, until: (events: SseEvent[]) => boolean, timeoutMs = 10_000): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = {};
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) event.id = line.slice(3).trim();
          if (line.startsWith('data:')) {
            const data = line.slice(5).trim();
            event.data = data ? JSON.parse(data) : undefined;
          }
        }
        if (event.id || event.data) events.push(event);
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return events;
}
