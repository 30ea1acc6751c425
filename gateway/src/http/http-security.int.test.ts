import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { DEFAULT_HTTP_SECURITY, httpSecurityOptions, HttpEnv, type HttpSecurityOptions } from './http.config.ts';
import { httpServerOptions } from './http-security.ts';

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const REDIS_URL = 'redis://127.0.0.1:6379';

describe('gateway HTTP hardening', () => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let other: TenantFixture;
  const servers: FastifyInstance[] = [];

  /** A real gateway listening on `host` with the given protection settings. */
  async function serve(http: Partial<HttpSecurityOptions> = {}, host = '127.0.0.1'): Promise<{ server: FastifyInstance; base: string }> {
    const options = { ...DEFAULT_HTTP_SECURITY, ...http };
    const server = Fastify(httpServerOptions(options));
    await server.register(app, { core, version: 'test', http: options });
    const address = await server.listen({ host, port: 0 });
    servers.push(server);
    return { server, base: address.replace('0.0.0.0', '127.0.0.1') };
  }
  const bearer = (key: string) => ({ ...MCP_HEADERS, authorization: `Bearer ${key}` });
  const freshKey = async (who = f.rep) => (await core.apiKeys.create(f.admin, { userId: who.userId, name: `k-${Math.random()}` })).apiKey;
  const lastUsed = async (apiKey: string) => (await core.apiKeys.list(f.admin, { includeInactive: true })).find((k) => apiKey.startsWith(k.prefix.slice(0, -1)))!.lastUsedAt;

  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await core.outbox.stop();
    await t.drop();
  });

  describe('Host and Origin allow-lists (DNS rebinding)', () => {
    let server: FastifyInstance;
    beforeAll(async () => ({ server } = await serve()));

    it.each([
      ['a rebound host name', { host: 'evil.example:3000' }],
      ['a LAN address', { host: '192.168.1.20:3000' }],
      ['a foreign page', { host: '127.0.0.1:3000', origin: 'http://evil.example' }],
      ['a sandboxed frame', { host: 'localhost:3000', origin: 'null' }],
      ['a loopback host with a foreign origin', { host: 'localhost:3000', origin: 'https://localhost.evil.example' }],
    ])('%s gets 403 on /mcp and on /health, and the key is never even looked up', async (_label, headers) => {
      const key = await freshKey();
      const mcp = await server.inject({ method: 'POST', url: '/mcp/crm', headers: { ...bearer(key), ...headers }, payload: INIT });
      expect(mcp.statusCode).toBe(403);
      expect(mcp.json().error).toMatchObject({ code: 'PERMISSION_DENIED', traceId: mcp.headers['x-request-id'] });
      expect((await server.inject({ method: 'GET', url: '/health', headers })).statusCode).toBe(403);
      expect(await lastUsed(key)).toBeNull();
    });

    it('serves loopback hosts and origins, and requests without an Origin (CLI and SDK clients)', async () => {
      const key = await freshKey();
      for (const headers of [{ host: 'localhost:3000', origin: 'http://localhost:5173' }, { host: '127.0.0.1:3000' }, { host: '[::1]:3000', origin: 'http://[::1]:3000' }]) {
        const r = await server.inject({ method: 'POST', url: '/mcp/crm', headers: { ...bearer(key), ...headers }, payload: INIT });
        expect(r.statusCode).toBe(200);
      }
    });

    it('answers to configured names and origins only', async () => {
      const { server: named } = await serve(httpSecurityOptions(HttpEnv.parse({ CRM_ALLOWED_HOSTS: 'crm.example.com', CRM_ALLOWED_ORIGINS: 'https://app.example.com/' })));
      const ok = await named.inject({ method: 'GET', url: '/health', headers: { host: 'crm.example.com', origin: 'https://app.example.com' } });
      expect(ok.statusCode).toBe(200);
      expect((await named.inject({ method: 'GET', url: '/health', headers: { host: 'localhost:3000' } })).statusCode).toBe(403);
      expect((await named.inject({ method: 'GET', url: '/health', headers: { host: 'crm.example.com', origin: 'http://localhost:5173' } })).statusCode).toBe(403);
    });
  });

  it('refuses demo keys while listening on a non-loopback address, and accepts them on loopback', async () => {
    await core.users.createUser(f.admin, { email: 'demo@x.io', name: 'Demo', role: 'SALES_REP' }, { apiKey: 'crm_demo_test_rep' });
    const open = await serve({ allowedHosts: '*' }, '0.0.0.0');
    const refused = await fetch(`${open.base}/mcp/crm`, { method: 'POST', headers: bearer('crm_demo_test_rep'), body: JSON.stringify(INIT) });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/loopback/);
    const real = await fetch(`${open.base}/mcp/crm`, { method: 'POST', headers: bearer(f.apiKeys.rep), body: JSON.stringify(INIT) });
    expect(real.status).toBe(200);
    const local = await serve();
    expect((await fetch(`${local.base}/mcp/crm`, { method: 'POST', headers: bearer('crm_demo_test_rep'), body: JSON.stringify(INIT) })).status).toBe(200);
  });

  it('revoked and expired keys and deactivated users get 401 on /mcp', async () => {
    const { base } = await serve();
    const post = (key: string) => fetch(`${base}/mcp/crm`, { method: 'POST', headers: bearer(key), body: JSON.stringify(INIT) });
    const revoked = await core.apiKeys.create(f.admin, { userId: f.manager.userId, name: 'to-revoke' });
    expect((await post(revoked.apiKey)).status).toBe(200);
    await core.apiKeys.revoke(f.admin, revoked.key.id);
    const r = await post(revoked.apiKey);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');

    const expiring = await core.apiKeys.create(f.admin, { userId: f.manager.userId, name: 'to-expire', expiresAt: new Date(Date.now() + 60_000) });
    const c = await t.db.connect();
    await c.query("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1", [expiring.key.id]).finally(() => c.release());
    expect((await post(expiring.apiKey)).status).toBe(401);

    const { user, apiKey } = await core.users.createUser(f.admin, { email: 'leaver@x.io', name: 'Leaver', role: 'SALES_REP' });
    await core.users.deactivate(f.admin, user.id);
    expect((await post(apiKey)).status).toBe(401);
  });

  describe.each([
    ['in memory', undefined],
    ['in Redis, shared by two replicas', REDIS_URL],
  ])('rate limits %s', (_label, redisUrl) => {
    it('per API key → 429 with Retry-After and meta.retryAfter', async () => {
      const a = await serve({ rateLimit: { perKey: 3, perTenant: 1000, windowMs: 60_000 }, redisUrl });
      const b = redisUrl ? await serve({ rateLimit: { perKey: 3, perTenant: 1000, windowMs: 60_000 }, redisUrl }) : a;
      const key = await freshKey();
      const statuses = [];
      for (const s of [a, b, a]) statuses.push((await fetch(`${s.base}/health`, { headers: { authorization: `Bearer ${key}` } })).status);
      expect(statuses).toEqual([200, 200, 200]);
      const limited = await fetch(`${b.base}/mcp/crm`, { method: 'POST', headers: bearer(key), body: JSON.stringify(INIT) });
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const body = (await limited.json()) as { error: { code: string }; meta: { retryAfter: number } };
      expect(body.error.code).toBe('RATE_LIMIT_EXCEEDED');
      expect(body.meta.retryAfter).toBe(retryAfter);
      // another key is not affected
      expect((await fetch(`${a.base}/health`, { headers: { authorization: `Bearer ${await freshKey()}` } })).status).toBe(200);
    });

    it('per tenant, over all its keys → 429; other tenants unaffected', async () => {
      const s = await serve({ rateLimit: { perKey: 1000, perTenant: 4, windowMs: 60_000 }, redisUrl });
      // a tenant of its own: the counters (in Redis, across servers) already hold other tests' requests
      const g = await createTenantFixture(core);
      const keys = [g.apiKeys.rep, g.apiKeys.manager];
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${s.base}/health`, { headers: { authorization: `Bearer ${keys[i % 2]}` } })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
      expect((await fetch(`${s.base}/health`, { headers: { authorization: `Bearer ${other.apiKeys.rep}` } })).status).toBe(200);
    });
  });

  it('honours and echoes X-Request-Id in headers, error envelopes and MCP tool errors', async () => {
    const { base, server } = await serve();
    const r = await server.inject({ method: 'GET', url: '/health', headers: { host: 'localhost', 'x-request-id': 'abc-123' } });
    expect(r.headers['x-request-id']).toBe('abc-123');
    const denied = await server.inject({ method: 'POST', url: '/mcp/crm', headers: { ...MCP_HEADERS, host: 'localhost', 'x-request-id': 'req-401' }, payload: INIT });
    expect(denied.json().error.traceId).toBe('req-401');
    const junk = await server.inject({ method: 'GET', url: '/health', headers: { host: 'localhost', 'x-request-id': 'no spaces\nor newlines' } });
    expect(junk.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

    const client = new Client({ name: 'trace-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp/crm`), { requestInit: { headers: { authorization: `Bearer ${f.apiKeys.rep}`, 'x-request-id': 'trace-42' } } }),
    );
    const result = await client.callTool({ name: 'get_contact', arguments: { id: 'not-a-uuid' } });
    expect(result.isError).toBe(true);
    expect((result.content as { text: string }[])[0].text).toContain('"traceId":"trace-42"');
    await client.close();
  });

  it('CRM_TRUST_PROXY picks the client address behind a Google Cloud load balancer and ignores X-Forwarded-For by default', async () => {
    const seen = async (trust: string | undefined) => {
      const options = httpSecurityOptions(HttpEnv.parse(trust === undefined ? {} : { CRM_TRUST_PROXY: trust }));
      const s = Fastify(httpServerOptions(options));
      s.get('/ip', async (req) => ({ ip: req.ip }));
      // as a Google front end forwards it: "<client>, <forwarding rule IP>" from a GFE address
      const r = await s.inject({ method: 'GET', url: '/ip', remoteAddress: '35.191.0.10', headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.50' } });
      await s.close();
      return (r.json() as { ip: string }).ip;
    };
    expect(await seen(undefined)).toBe('35.191.0.10');
    expect(await seen('true')).toBe('198.51.100.7');
    expect(await seen('35.191.0.0/16,130.211.0.0/22, 203.0.113.50')).toBe('198.51.100.7');
    // without the forwarding rule's address, that address is the client
    expect(await seen('35.191.0.0/16')).toBe('203.0.113.50');
    expect(() => HttpEnv.parse({ CRM_TRUST_PROXY: 'yes please' })).toThrow(/must be true, false, or comma-separated proxy addresses\/CIDRs/);
  });

  it('refuses bodies over the limit with 413', async () => {
    const { base } = await serve({ bodyLimit: 2048 });
    const big = { ...INIT, params: { ...INIT.params, clientInfo: { name: 'x'.repeat(4096), version: '1' } } };
    const r = await fetch(`${base}/mcp/crm`, { method: 'POST', headers: bearer(f.apiKeys.rep), body: JSON.stringify(big) });
    expect(r.status).toBe(413);
  });
});
