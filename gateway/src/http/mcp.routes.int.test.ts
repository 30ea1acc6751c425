import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { HttpEnv, httpSecurityOptions } from './http.config.ts';

describe('gateway: MCP over Streamable HTTP at /mcp/:server', () => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let server: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    await core.contacts.create(f.rep, { firstName: 'Http', lastName: 'Client', email: 'http@client.io' });
    server = Fastify();
    await server.register(app, { core, version: 'test' });
    base = await server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await core.outbox.stop();
    await t.drop();
  });

  const connect = async (server: string, key: string) => {
    const client = new Client({ name: 'gateway-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp/${server}`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
    );
    return client;
  };

  it('serves the combined and crm-data servers to an authenticated client, acting as that user', async () => {
    for (const name of ['crm', 'crm-data']) {
      const client = await connect(name, f.apiKeys.rep);
      const tools = await client.listTools();
      expect(tools.tools.map((x) => x.name)).toContain('search_contacts');
      const res = await client.callTool({ name: 'search_contacts', arguments: { search: 'http@client' } });
      expect(res.isError).toBeFalsy();
      expect(JSON.stringify(res.structuredContent)).toContain('http@client.io');
      await client.close();
    }
  });

  it('refuses requests without a valid API key', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const none = await fetch(`${base}/mcp/crm`, { method: 'POST', headers, body: JSON.stringify(init) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    const bad = await fetch(`${base}/mcp/crm`, { method: 'POST', headers: { ...headers, authorization: 'Bearer crm_nope' }, body: JSON.stringify(init) });
    expect(bad.status).toBe(401);
    const unknown = await fetch(`${base}/mcp/nope`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${f.apiKeys.admin}` }, body: '{}' });
    expect(unknown.status).toBe(404);
  });

  it('a body that is not JSON, or not sent as JSON, is a JSON-RPC error a client can read (it was the REST envelope, or "start a session with an initialize request" for an initialize sent as text/plain)', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { accept: 'application/json, text/event-stream', authorization: `Bearer ${f.apiKeys.admin}` };
    const broken = await fetch(`${base}/mcp/crm`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"jsonrpc": "2.0", "id": 1,' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: Invalid JSON' }, id: null });
    const text = await fetch(`${base}/mcp/crm`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: JSON.stringify(init) });
    expect(text.status).toBe(415);
    expect(await text.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Unsupported Media Type: Content-Type must be application/json' }, id: null });
    const limit = server.initialConfig.bodyLimit!;
    const big = await fetch(`${base}/mcp/crm`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ ...init, pad: 'x'.repeat(limit) }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: `Request body exceeds ${limit} bytes` }, id: null });
  });

  it('MCP_MAX_SESSIONS_PER_USER caps the sessions a user holds through the gateway (the real SDK client gets the 429)', async () => {
    const limited = Fastify();
    await limited.register(app, { core, version: 'test', http: httpSecurityOptions(HttpEnv.parse({ MCP_MAX_SESSIONS_PER_USER: '1' })) });
    const url = await limited.listen({ host: '127.0.0.1', port: 0 });
    const open = async () => {
      const client = new Client({ name: 'limited', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp/crm`), { requestInit: { headers: { authorization: `Bearer ${f.apiKeys.rep}` } } }));
      return client;
    };
    try {
      const first = await open();
      await expect(open()).rejects.toThrow(/429|Too many MCP sessions for this user/);
      await first.close();
    } finally {
      await limited.close();
    }
  });
});
