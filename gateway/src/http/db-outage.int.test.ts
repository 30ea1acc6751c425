import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, startTcpProxy, type TcpProxy, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import { createServerByName, parseToolError } from '@crm/mcp-servers';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';

const serverUrl = process.env.TEST_DATABASE_URL;

async function eventually<T>(fn: () => Promise<T>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The gateway in front of a PostgreSQL server that goes away: 503 + Retry-After, MCP isError, recovery. */
describe.skipIf(!serverUrl)('gateway during a database outage', () => {
  let proxy: TcpProxy;
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let http: FastifyInstance;
  let base: string;
  let contactId: string;

  beforeAll(async () => {
    const u = new URL(serverUrl!);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    t = await openTestDatabase('postgres', [], {
      via: (url) => proxy.rewrite(url),
      timeouts: { connectTimeoutMs: 1_000, statementTimeoutMs: 1_500, queryTimeoutMs: 2_000, retryAfterSeconds: 7 },
    });
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    contactId = (await core.contacts.create(f.rep, { firstName: 'Out', lastName: 'Age', email: 'out@age.io' })).id;
    http = Fastify();
    await http.register(app, { core, version: 'test' });
    base = await http.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await http?.close();
    await core?.outbox.stop();
    await proxy?.setMode('pass');
    await t?.drop();
    await proxy?.close();
  });

  it('answers 503 with Retry-After over HTTP and DATABASE_UNAVAILABLE as an MCP tool result, then recovers', async () => {
    const inMemory = new Client({ name: 'outage', version: '1.0.0' });
    const mcp = createServerByName('crm-data', { core, actor: f.rep });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([mcp.connect(b), inMemory.connect(a)]);

    await proxy.setMode('refuse');
    proxy.reset();

    const res = await fetch(`${base}/mcp/crm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${f.apiKeys.rep}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    const body = (await res.json()) as { error: { code: string; message: string }; meta: { retryAfter: number } };
    expect(body.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(body.error.message).not.toMatch(/127\.0\.0\.1|ECONN|postgres/i);
    expect(body.meta.retryAfter).toBe(7);

    const tool = await inMemory.callTool({ name: 'get_contact', arguments: { id: contactId } });
    expect(tool.isError).toBe(true);
    expect(parseToolError(tool as CallToolResult)).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryAfter: 7 });

    await proxy.setMode('pass');
    const ok = await eventually(async () => {
      const r = await inMemory.callTool({ name: 'get_contact', arguments: { id: contactId } });
      if (r.isError) throw new Error(JSON.stringify(r.content));
      return r;
    });
    expect(JSON.stringify(ok.structuredContent)).toContain('out@age.io');
    const client = new Client({ name: 'after', version: '1.0.0' });
    await eventually(() =>
      client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp/crm`), { requestInit: { headers: { authorization: `Bearer ${f.apiKeys.rep}` } } })),
    );
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
    await inMemory.close();
  });
});
