import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { DEFAULT_AUTH } from './auth.config.ts';
import { createTokenService, type TokenService } from './token.service.ts';

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('MCP over Streamable HTTP as an OAuth 2.1 resource server', () => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let server: FastifyInstance;
  let base: string;
  let tokens: TokenService;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    await core.contacts.create(f.rep, { firstName: 'Oauth', lastName: 'Person', email: 'oauth@person.io' });
    server = Fastify();
    await server.register(app, { core, version: 'test' });
    base = await server.listen({ host: '127.0.0.1', port: 0 });
    tokens = createTokenService(core, DEFAULT_AUTH);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await server.close();
    await core.outbox.stop();
    await t.drop();
  });

  const connect = async (token: string, name = 'crm') => {
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp/${name}`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  };
  const mcpToken = async (who = f.rep, scopes?: string[], server?: string) =>
    (await tokens.issue(who, { audience: 'mcp', ...(scopes ? { scopes } : {}), ...(server ? { server } : {}) })).accessToken;
  const post = (headers: Record<string, string>, body: unknown = INIT, name = 'crm') =>
    fetch(`${base}/mcp/${name}`, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(body) });

  it('publishes protected resource metadata for /mcp and per server path', async () => {
    // scopes write first on purpose: see RESOURCE_SCOPES (mcp-remote's step-up)
    const whole = (await (await fetch(`${base}/.well-known/oauth-protected-resource`)).json()) as Record<string, unknown>;
    expect(whole).toMatchObject({ resource: `${base}/mcp`, authorization_servers: [DEFAULT_AUTH.publicUrl], scopes_supported: ['crm:write', 'crm:read'], bearer_methods_supported: ['header'] });
    const one = (await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp/crm-data`)).json()) as Record<string, unknown>;
    expect(one.resource).toBe(`${base}/mcp/crm-data`);
    expect((await fetch(`${base}/.well-known/oauth-protected-resource/mcp/nope`)).status).toBe(404);
  });

  it('answers 401 with WWW-Authenticate naming the resource metadata, with no token or a REST token', async () => {
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(`Bearer realm="agentic-crm", scope="crm:read", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp/crm"`);
    const restToken = (await tokens.issue(f.rep, { audience: 'api' })).accessToken;
    const rest = await post({ authorization: `Bearer ${restToken}` });
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(rest.headers.get('www-authenticate')).toContain(`resource_metadata="${base}/.well-known/oauth-protected-resource/mcp/crm"`);
    expect(((await rest.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/"aud" claim/) });
  });

  it('binds the audience: an MCP token works on /mcp with the real SDK client and is refused on REST; a token for another server is refused', async () => {
    const token = await mcpToken();
    const { client } = await connect(token);
    const res = await client.callTool({ name: 'search_contacts', arguments: { search: 'oauth@person' } });
    expect(res.isError).toBeFalsy();
    expect(JSON.stringify(res.structuredContent)).toContain('oauth@person.io');
    const onRest = await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(onRest.status).toBe(401);
    const forCrmData = await mcpToken(f.rep, undefined, 'crm-data');
    expect((await post({ authorization: `Bearer ${forCrmData}` }, INIT, 'crm-data')).status).toBe(200);
    expect((await post({ authorization: `Bearer ${forCrmData}` }, INIT, 'crm')).status).toBe(401);
  });

  it('answers 403 insufficient_scope with a scope challenge when a write tool is called with a read-only token', async () => {
    const readOnly = await mcpToken(f.rep, ['crm:read']);
    const { client, transport } = await connect(readOnly);
    expect((await client.callTool({ name: 'search_contacts', arguments: { search: 'oauth' } })).isError).toBeFalsy();
    const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'create_contact', arguments: { firstName: 'No', lastName: 'Scope', email: 'no@scope.io' } } };
    const r = await post({ authorization: `Bearer ${readOnly}`, 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-06-18' }, call);
    expect(r.status).toBe(403);
    expect(r.headers.get('www-authenticate')).toBe(
      `Bearer realm="agentic-crm", error="insufficient_scope", scope="crm:read crm:write", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp/crm"`,
    );
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('PERMISSION_DENIED');
    await expect(client.callTool({ name: 'create_contact', arguments: { firstName: 'No', lastName: 'Scope', email: 'no@scope.io' } })).rejects.toThrow(/403|insufficient_scope|scope/i);
    expect((await core.contacts.list(f.admin, { search: 'no@scope.io' })).data).toHaveLength(0);
    const writer = await connect(await mcpToken(f.rep, ['crm:read', 'crm:write']));
    expect((await writer.client.callTool({ name: 'create_contact', arguments: { firstName: 'Has', lastName: 'Scope', email: 'has@scope.io' } })).isError).toBeFalsy();
  });

  it("binds sessions to their user: another user's token with that session id gets 404", async () => {
    const { transport } = await connect(await mcpToken(f.rep));
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-06-18' });
    expect((await post(headers(await mcpToken(f.otherRep)), list)).status).toBe(404);
    expect((await post(headers(f.apiKeys.otherRep), list)).status).toBe(404);
    expect((await post(headers(await mcpToken(f.rep)), list)).status).toBe(200);
  });

  it('keeps API keys working for local clients', async () => {
    const { client } = await connect(f.apiKeys.rep);
    expect((await client.callTool({ name: 'create_contact', arguments: { firstName: 'Key', lastName: 'Holder', email: 'key@holder.io' } })).isError).toBeFalsy();
  });
});
