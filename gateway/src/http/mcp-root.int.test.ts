/**
 * QA round 6: `/mcp` is the resource the OAuth metadata names (and the default `resource` of an
 * authorization), and the MCP Inspector CLI 0.15 rewrites any http URL not ending in /mcp to
 * <origin>/mcp — but POST /mcp was a bare Fastify 404. It now serves the combined `crm` server.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { DEFAULT_HTTP_SECURITY } from './http.config.ts';
import { httpServerOptions } from './http-security.ts';

describe.each(testDbKinds())('gateway: /mcp is the combined MCP server on %s', { timeout: 300_000 }, (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let server: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    await core.contacts.create(f.rep, { firstName: 'Root', lastName: 'Path', email: 'root@mcp.io' });
    server = Fastify(httpServerOptions(DEFAULT_HTTP_SECURITY)); // as `crm start` builds it (URL rewrite included)
    await server.register(app, { core, version: 'test', http: DEFAULT_HTTP_SECURITY });
    base = await server.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await core.outbox.stop();
    await t.drop();
  });

  const connect = async (path: string, key: string) => {
    const client = new Client({ name: 'qa6', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}${path}`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    return client;
  };

  it('serves what /mcp/crm serves, to the same user, and answers tools', async () => {
    const root = await connect('/mcp', f.apiKeys.rep);
    const named = await connect('/mcp/crm', f.apiKeys.rep);
    const names = async (c: Client) => (await c.listTools()).tools.map((x) => x.name);
    expect(await names(root)).toEqual(await names(named));
    expect((await root.listResourceTemplates()).resourceTemplates.length).toBe((await named.listResourceTemplates()).resourceTemplates.length);
    const found = await root.callTool({ name: 'search_contacts', arguments: { search: 'root@mcp' } });
    expect(found.isError, JSON.stringify(found.content)).toBeFalsy();
    expect(JSON.stringify(found.structuredContent)).toContain('root@mcp.io');
    await root.close();
    await named.close();
    // a client's trailing slash is the same URL, as for /mcp/<server>/
    const slash = await connect('/mcp/', f.apiKeys.rep);
    expect((await slash.listTools()).tools.length).toBeGreaterThan(0);
    await slash.close();
  });

  it('challenges a request without a credential with the metadata of the /mcp resource', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const none = await fetch(`${base}/mcp`, { method: 'POST', headers, body: JSON.stringify(init) });
    expect(none.status).toBe(401);
    const challenge = none.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl, challenge).toBe(`${base}/.well-known/oauth-protected-resource`);
    const metadata = (await (await fetch(metadataUrl!)).json()) as { resource: string };
    expect(metadata.resource).toBe(`${base}/mcp`);
    // a refused key on /mcp gets the MCP challenge too, not the REST realm's
    const bad = await fetch(`${base}/mcp`, { method: 'POST', headers: { ...headers, authorization: 'Bearer crm_nope' }, body: JSON.stringify(init) });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('resource_metadata=');
  });
});
