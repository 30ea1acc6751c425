import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Actor, CrmCore } from '@crm/core';
import { createCrmDataServer, createMcpHttpHandler, type McpHttpHandler } from '@crm/mcp-servers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';

export type Call = (name: string, args: Record<string, unknown>) => Promise<unknown>;

function caller(client: Client): Call {
  return async (name, args) => {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
    return r;
  };
}

export async function inMemoryClient(core: CrmCore, actor: Actor) {
  const server = createCrmDataServer({ core, actor });
  const client = new Client({ name: 'bench', version: '1' });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(b), client.connect(a)]);
  return { call: caller(client), close: async () => (await client.close(), await server.close()) };
}

/** What the gateway will do: bearer API key → actor (cached, so the numbers are MCP's, not auth's). */
export async function httpServer(core: CrmCore): Promise<{ url: string; handler: McpHttpHandler; close(): Promise<void> }> {
  const handler = createMcpHttpHandler({ core, server: 'crm-data' });
  const actors = new Map<string, Actor>();
  const server = http.createServer(async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    let actor = actors.get(token);
    if (!actor && token) {
      actor = await core.users.authenticate(token).catch(() => undefined);
      if (actor) actors.set(token, actor);
    }
    await handler.handle(req, res, { auth: actor ? { actor, token } : undefined });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp/crm-data`,
    handler,
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function httpClient(url: string, apiKey: string) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${apiKey}` } } });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  return {
    call: caller(client),
    async close() {
      await transport.terminateSession();
      await client.close();
    },
  };
}

export async function stdioClient(crmBin: string, cwd: string, env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [crmBin, 'mcp', 'crm-data'], cwd, env, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1' });
  const started = performance.now();
  await client.connect(transport);
  const startMs = Math.round(performance.now() - started);
  return { call: caller(client), startMs, pid: transport.pid, close: () => client.close() };
}
