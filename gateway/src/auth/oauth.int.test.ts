import { createHash, randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { auth as sdkAuth, UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { AuthEnv, createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, freePort, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { authOptions, type AuthOptions } from './auth.config.ts';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'http://127.0.0.1:53682/callback';

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** The hidden fields of the consent form, and the CSRF cookie the page set. */
function formOf(html: string, setCookie: string | null): { fields: Record<string, string>; cookie: string } {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1]!] = m[2]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return { fields, cookie: (setCookie ?? '').split(';')[0]! };
}

describe.each(testDbKinds())('OAuth 2.1 authorization server for MCP clients on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let server: FastifyInstance;
  let base: string;
  let auth: AuthOptions;
  let repEmail: string;
  let otherEmail: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    await core.contacts.create(f.rep, { firstName: 'Oauth', lastName: 'Flow', email: 'oauth@flow.io' });
    repEmail = (await core.users.get(f.admin, f.rep.userId)).email;
    otherEmail = (await core.users.get(f.admin, f.otherRep.userId)).email;
    await core.credentials.setPassword(f.admin, f.rep.userId, PASSWORD);
    await core.credentials.setPassword(f.admin, f.otherRep.userId, PASSWORD);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // the issuer must be the address clients reach, as CRM_PUBLIC_URL makes it in production
    auth = authOptions(AuthEnv.parse({ CRM_PUBLIC_URL: base, OAUTH_REGISTRATIONS_PER_HOUR: '1000' }), { host: '127.0.0.1', port });
    server = Fastify();
    await server.register(app, { core, version: 'test', auth });
    await server.listen({ host: '127.0.0.1', port });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await server?.close();
    await core?.outbox.stop();
    await t?.drop();
  });

  /** The person at the browser: open the authorize URL, sign in on the page, allow; the redirect's code (or error). */
  async function browser(url: URL | string, who: { email: string; password: string; decision?: string; tamper?: (form: URLSearchParams) => void } = { email: repEmail, password: PASSWORD }) {
    const page = await fetch(url, { redirect: 'manual' });
    if (page.status !== 200) return { page, status: page.status, location: page.headers.get('location') };
    const { fields, cookie } = formOf(await page.text(), page.headers.get('set-cookie'));
    const form = new URLSearchParams({ ...fields, email: who.email, password: who.password, decision: who.decision ?? 'allow' });
    who.tamper?.(form);
    const res = await fetch(`${base}/oauth/authorize`, { method: 'POST', body: form, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    const location = res.headers.get('location');
    return { page, status: res.status, location, res, params: location ? new URL(location).searchParams : undefined };
  }

  /** An OAuthClientProvider whose browser step is `browser()` above. */
  class TestProvider implements OAuthClientProvider {
    info?: OAuthClientInformationMixed;
    saved?: OAuthTokens;
    verifier = '';
    code?: string;
    redirects = 0;
    constructor(
      private readonly who: { email: string; password: string },
      private readonly interactive = true,
    ) {}
    get redirectUrl() {
      return REDIRECT;
    }
    get clientMetadata(): OAuthClientMetadata {
      return { client_name: 'SDK end-to-end', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
    }
    state() {
      return 'state-42';
    }
    clientInformation() {
      return this.info;
    }
    saveClientInformation(info: OAuthClientInformationMixed) {
      this.info = info;
    }
    tokens() {
      return this.saved;
    }
    saveTokens(tokens: OAuthTokens) {
      this.saved = tokens;
    }
    saveCodeVerifier(v: string) {
      this.verifier = v;
    }
    codeVerifier() {
      return this.verifier;
    }
    async redirectToAuthorization(url: URL) {
      this.redirects++;
      if (!this.interactive) return;
      const r = await browser(url, this.who);
      expect(r.status).toBe(303);
      expect(r.params?.get('state')).toBe('state-42');
      expect(r.params?.get('iss')).toBe(base);
      this.code = r.params!.get('code')!;
    }
  }

  /** The SDK's whole flow: 401 → discovery → registration → browser → finishAuth → connected. */
  async function connectWithOAuth(provider: TestProvider, path = '/mcp/crm') {
    const first = new StreamableHTTPClientTransport(new URL(`${base}${path}`), { authProvider: provider });
    await expect(new Client({ name: 'oauth-e2e', version: '1.0.0' }).connect(first)).rejects.toThrow(UnauthorizedError);
    await first.finishAuth(provider.code!);
    return connect(provider, path);
  }
  async function connect(provider: TestProvider, path = '/mcp/crm') {
    const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}${path}`), { authProvider: provider }));
    clients.push(client);
    return client;
  }
  const mcpStatus = async (accessToken: string) =>
    (
      await fetch(`${base}/mcp/crm`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      })
    ).status;
  const token = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${base}/oauth/token`, { method: 'POST', body: new URLSearchParams(params), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  const register = async (body: unknown) => fetch(`${base}/oauth/register`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const publicClient = async () => ((await (await register({ client_name: 'raw', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' })).json()) as { client_id: string });
  const authorizeUrl = (clientId: string, over: Record<string, string | undefined> = {}) => {
    const url = new URL(`${base}/oauth/authorize`);
    const p = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge_method: 'S256', state: 's1', resource: `${base}/mcp`, scope: 'crm:read', ...over };
    for (const [k, v] of Object.entries(p)) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  };
  /** A code for a fresh public client, and what redeems it. */
  async function rawCode(who = { email: repEmail, password: PASSWORD }) {
    const { client_id } = await publicClient();
    const { verifier, challenge } = pkce();
    const r = await browser(authorizeUrl(client_id, { code_challenge: challenge }), who);
    expect(r.status).toBe(303);
    return { clientId: client_id, verifier, code: r.params!.get('code')! };
  }
  const redeem = (c: { clientId: string; verifier: string; code: string }, over: Record<string, string> = {}) =>
    token({ grant_type: 'authorization_code', client_id: c.clientId, code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT, ...over });

  it('publishes RFC 8414 metadata at the root, the path-suffixed and the OpenID names', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/mcp/crm', '/.well-known/openid-configuration']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        issuer: base,
        authorization_endpoint: `${base}/oauth/authorize`,
        token_endpoint: `${base}/oauth/token`,
        registration_endpoint: `${base}/oauth/register`,
        revocation_endpoint: `${base}/oauth/revoke`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
        scopes_supported: ['crm:read', 'crm:write'],
      });
    }
    const prm = (await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp/crm`)).json()) as { authorization_servers: string[] };
    expect(prm.authorization_servers).toEqual([base]);
  });

  it('SDK client: discovers, registers, authorizes with PKCE, lists tools, calls a read tool; refresh rotates; reuse of the old refresh token revokes the family', async () => {
    const provider = new TestProvider({ email: repEmail, password: PASSWORD });
    const client = await connectWithOAuth(provider);
    expect(provider.info?.client_id).toMatch(/^mcp_/);
    expect(provider.saved).toMatchObject({ token_type: 'Bearer', scope: 'crm:read', expires_in: 900 });
    const tools = await client.listTools();
    expect(tools.tools.map((x) => x.name)).toContain('search_contacts');
    const res = await client.callTool({ name: 'search_contacts', arguments: { search: 'oauth@flow' } });
    expect(res.isError).toBeFalsy();
    expect(JSON.stringify(res.structuredContent)).toContain('oauth@flow.io');
    // the access token carries the resource as audience and the client
    const claims = JSON.parse(Buffer.from(provider.saved!.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: `${base}/mcp/crm`, iss: base, sub: f.rep.userId, client_id: provider.info!.client_id, scope: 'crm:read' });
    expect(await mcpStatus(provider.saved!.access_token)).toBe(200);
    expect((await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${provider.saved!.access_token}` } })).status).toBe(401);

    // the SDK refreshes by itself when the access token is refused
    const oldRefresh = provider.saved!.refresh_token!;
    provider.saved = { ...provider.saved!, access_token: 'expired-or-garbage' };
    const again = await connect(provider);
    expect((await again.callTool({ name: 'search_contacts', arguments: { search: 'oauth@flow' } })).isError).toBeFalsy();
    expect(provider.saved.refresh_token).toBeDefined();
    expect(provider.saved.refresh_token).not.toBe(oldRefresh);
    expect(provider.redirects).toBe(1);

    // replaying the spent refresh token: refused, and the grant (new refresh token + access token) is revoked
    const replay = await token({ grant_type: 'refresh_token', refresh_token: oldRefresh, client_id: provider.info!.client_id });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/already used/) });
    expect(await mcpStatus(provider.saved.access_token)).toBe(401);
    const next = await token({ grant_type: 'refresh_token', refresh_token: provider.saved.refresh_token!, client_id: provider.info!.client_id });
    expect(await next.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/revoked/) });
  });

  it('step-up: a client registered with crm:read is refused a write tool (403 insufficient_scope), authorizes again for crm:write and writes', async () => {
    const provider = new TestProvider({ email: repEmail, password: PASSWORD });
    const client = await connectWithOAuth(provider);
    expect(provider.saved?.scope).toBe('crm:read');
    const create = { name: 'create_contact', arguments: { firstName: 'Step', lastName: 'Up', email: 'step@up.io' } };
    // the SDK answers the 403 by refreshing, which keeps the granted scope: the call still fails
    await expect(client.callTool(create)).rejects.toThrow(/403|upscoping|insufficient_scope/i);
    expect((await core.contacts.list(f.admin, { search: 'step@up.io' })).data).toHaveLength(0);
    // a client that re-authorizes for the challenged scope (the consent page lists both)
    provider.saved = undefined;
    const serverUrl = `${base}/mcp/crm`;
    expect(await sdkAuth(provider, { serverUrl, scope: 'crm:read crm:write' })).toBe('REDIRECT');
    expect(await sdkAuth(provider, { serverUrl, authorizationCode: provider.code! })).toBe('AUTHORIZED');
    expect(provider.saved).toMatchObject({ scope: 'crm:read crm:write' });
    const writer = await connect(provider);
    expect((await writer.callTool(create)).isError).toBeFalsy();
    expect((await core.contacts.list(f.admin, { search: 'step@up.io' })).data).toHaveLength(1);
  });

  it('revoking the client (what `crm oauth clients revoke` does) stops its access and refresh tokens; the SDK client fails', async () => {
    const provider = new TestProvider({ email: repEmail, password: PASSWORD });
    const client = await connectWithOAuth(provider);
    expect((await client.callTool({ name: 'search_contacts', arguments: { search: 'oauth' } })).isError).toBeFalsy();
    const listed = await core.oauth.listClients();
    expect(listed.find((c) => c.id === provider.info!.client_id)).toMatchObject({ name: 'SDK end-to-end', activeGrants: 1, revokedAt: null });
    await core.oauth.revokeClient(provider.info!.client_id);
    expect(await mcpStatus(provider.saved!.access_token)).toBe(401);
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: provider.saved!.refresh_token!, client_id: provider.info!.client_id });
    expect(refresh.status).toBe(401);
    expect(await refresh.json()).toMatchObject({ error: 'invalid_client' });
    // a browser visit for the revoked client shows an error page, no redirect
    const page = await fetch(authorizeUrl(provider.info!.client_id, { code_challenge: pkce().challenge }), { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(await page.text()).toMatch(/Unknown or revoked client_id/);
    const stuck = new TestProvider({ email: repEmail, password: PASSWORD }, false);
    stuck.info = provider.info;
    stuck.saved = provider.saved;
    await expect(connect(stuck)).rejects.toThrow();
  });

  it("deactivating the user, or changing the user's role, stops the tokens and refreshes", async () => {
    const provider = new TestProvider({ email: otherEmail, password: PASSWORD });
    const client = await connectWithOAuth(provider, '/mcp/crm-data');
    expect((await client.callTool({ name: 'search_contacts', arguments: { search: 'oauth' } })).isError).toBeFalsy();
    await core.users.setRole(f.admin, f.otherRep.userId, { role: 'SALES_MANAGER' });
    const afterRole = await token({ grant_type: 'refresh_token', refresh_token: provider.saved!.refresh_token!, client_id: provider.info!.client_id });
    expect(await afterRole.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/role changed/) });
    expect(await mcpStatus(provider.saved!.access_token)).toBe(401);

    const second = await rawCode({ email: otherEmail, password: PASSWORD });
    const issued = (await (await redeem(second, { resource: `${base}/mcp` })).json()) as OAuthTokens;
    expect(await mcpStatus(issued.access_token)).toBe(200);
    await core.users.deactivate(f.admin, f.otherRep.userId);
    expect(await mcpStatus(issued.access_token)).toBe(401);
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token!, client_id: second.clientId });
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/deactivated/) });
  });

  it('refuses a wrong PKCE verifier, and the code is spent by the attempt', async () => {
    const c = await rawCode();
    const wrong = await redeem(c, { code_verifier: pkce().verifier });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/code_verifier does not match/) });
    expect(await (await redeem(c)).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await (await redeem({ ...(await rawCode()), verifier: 'short' })).json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/43-128/) });
  });

  it('a reused code is refused and revokes the tokens it issued', async () => {
    const c = await rawCode();
    const first = await redeem(c);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const issued = (await first.json()) as OAuthTokens;
    expect(await mcpStatus(issued.access_token)).toBe(200);
    const second = await redeem(c);
    expect(await second.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/already used/) });
    expect(await mcpStatus(issued.access_token)).toBe(401);
    expect(await (await token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token!, client_id: c.clientId })).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('a mismatched redirect_uri: at /authorize an error page (never a redirect), at /token invalid_grant', async () => {
    const { client_id } = await publicClient();
    const page = await fetch(authorizeUrl(client_id, { code_challenge: pkce().challenge, redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toMatch(/redirect_uri is not one this client registered/);
    const c = await rawCode();
    expect(await (await redeem(c, { redirect_uri: 'http://127.0.0.1:53682/other' })).json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/redirect_uri/) });
  });

  it("native apps: a loopback redirect on any port (RFC 8252 §7.3) and an app's own scheme (cursor://) get a code that redeems", async () => {
    for (const [registered, used, formAction] of [
      ['http://127.0.0.1/callback', 'http://127.0.0.1:41234/callback', 'http://127.0.0.1:41234'],
      ['cursor://anysphere.cursor-retrieval/oauth/crm/callback', 'cursor://anysphere.cursor-retrieval/oauth/crm/callback', 'cursor:'],
    ] as const) {
      const reg = await register({ client_name: 'native', redirect_uris: [registered], token_endpoint_auth_method: 'none' });
      expect(reg.status, registered).toBe(201);
      const { client_id } = (await reg.json()) as { client_id: string };
      const { verifier, challenge } = pkce();
      const url = authorizeUrl(client_id, { code_challenge: challenge, redirect_uri: used });
      const page = await fetch(url);
      expect(page.status, used).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain(`form-action 'self' ${formAction}`);
      const r = await browser(url);
      expect(r.status).toBe(303);
      expect(r.location!.startsWith(`${used}?`)).toBe(true);
      const code = r.params!.get('code')!;
      // the token request must name the redirect_uri the authorization used, port included
      const c = { clientId: client_id, verifier, code };
      const tokens = await redeem(c, { redirect_uri: used });
      expect(tokens.status).toBe(200);
      expect(await mcpStatus(((await tokens.json()) as { access_token: string }).access_token)).toBe(200);
    }
    // another path on the loopback host, or the port of a registered https URI, is still refused
    const { client_id } = (await (await register({ client_name: 'native', redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none' })).json()) as { client_id: string };
    const other = await fetch(authorizeUrl(client_id, { code_challenge: pkce().challenge, redirect_uri: 'http://127.0.0.1:41234/elsewhere' }), { redirect: 'manual' });
    expect(other.status).toBe(400);
    expect(other.headers.get('location')).toBeNull();
    expect((await register({ client_name: 'bad', redirect_uris: ['javascript:alert(1)'] })).status).toBe(400);
  });

  it('a bad resource, plain PKCE, no PKCE, an unknown scope or response_type go back to the client as error redirects with state', async () => {
    const { client_id } = await publicClient();
    const { challenge } = pkce();
    const cases: [Record<string, string | undefined>, string, RegExp][] = [
      [{ code_challenge: challenge, resource: 'https://elsewhere.example/mcp' }, 'invalid_target', /not served by this server/],
      [{ code_challenge: challenge, resource: `${base}/api` }, 'invalid_target', /resource must be/],
      [{ code_challenge: challenge, resource: `${base}/mcp/nope` }, 'invalid_target', /unknown MCP server/],
      [{ code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request', /S256/],
      [{ code_challenge: undefined }, 'invalid_request', /code_challenge is required/],
      [{ code_challenge: challenge, scope: 'crm:read admin' }, 'invalid_scope', /admin/],
      [{ code_challenge: challenge, response_type: 'token' }, 'unsupported_response_type', /code/],
    ];
    for (const [over, error, description] of cases) {
      const res = await fetch(authorizeUrl(client_id, over), { redirect: 'manual' });
      expect(res.status, JSON.stringify(over)).toBe(302);
      const back = new URL(res.headers.get('location')!);
      expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
      expect(back.searchParams.get('error')).toBe(error);
      expect(back.searchParams.get('error_description')).toMatch(description);
      expect(back.searchParams.get('state')).toBe('s1');
    }
  });

  it('the consent page: CSP without inline scripts, the client name and redirect host; a form without its CSRF token or cookie is refused', async () => {
    const { client_id } = await publicClient();
    const page = await fetch(authorizeUrl(client_id, { code_challenge: pkce().challenge }));
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:53682/);
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    const html = await page.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('raw');
    expect(html).toContain('127.0.0.1:53682');
    expect(html).toContain('crm:read');
    const { fields, cookie } = formOf(html, page.headers.get('set-cookie'));
    expect(cookie).toMatch(/^crm_oauth_csrf=/);
    expect(page.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const post = (form: Record<string, string>, headers: Record<string, string>) =>
      fetch(`${base}/oauth/authorize`, { method: 'POST', body: new URLSearchParams({ ...form, email: repEmail, password: PASSWORD, decision: 'allow' }), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, redirect: 'manual' });
    const { csrf: _csrf, ...withoutToken } = fields;
    for (const res of [await post(withoutToken, { cookie }), await post(fields, {}), await post({ ...fields, state: 'changed' }, { cookie }), await post({ ...fields, csrf: `${fields.csrf}x` }, { cookie })]) {
      expect(res.status).toBe(403);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toMatch(/CSRF check failed/);
    }
    // the page posts to itself from the gateway's origin: allowed
    const sameOrigin = await post(fields, { cookie, origin: base });
    expect(sameOrigin.status).toBe(303);
    expect(new URL(sameOrigin.headers.get('location')!).searchParams.get('code')).toMatch(/^crm_ac_/);
  });

  it('a wrong password shows the page again (401, no code); Deny sends access_denied', async () => {
    const { client_id } = await publicClient();
    const wrong = await browser(authorizeUrl(client_id, { code_challenge: pkce().challenge }), { email: repEmail, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.location).toBeNull();
    expect(await wrong.res!.text()).toMatch(/Wrong email or password/);
    const denied = await browser(authorizeUrl(client_id, { code_challenge: pkce().challenge }), { email: '', password: '', decision: 'deny' });
    expect(denied.status).toBe(303);
    expect(denied.params?.get('error')).toBe('access_denied');
    expect(denied.params?.get('state')).toBe('s1');
  });

  it('registration: validates metadata naming the field; confidential clients get a secret once and must use it', async () => {
    const bad: [unknown, string, RegExp][] = [
      [{ redirect_uris: ['http://example.com/cb'] }, 'invalid_redirect_uri', /redirect_uris\.0: may use http only for a loopback host/],
      [{ redirect_uris: ['https://app.example/cb#frag'] }, 'invalid_redirect_uri', /redirect_uris\.0: must not contain a fragment/],
      [{ redirect_uris: [] }, 'invalid_redirect_uri', /redirect_uris: must hold at least one/],
      [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri', /redirect_uris\.0: scheme javascript: is not allowed/],
      [{ redirect_uris: ['file:///etc/passwd'] }, 'invalid_redirect_uri', /scheme file: is not allowed/],
      [{ redirect_uris: [REDIRECT], grant_types: ['client_credentials'] }, 'invalid_client_metadata', /grant_types\.0/],
      [{ redirect_uris: [REDIRECT], grant_types: ['refresh_token'] }, 'invalid_client_metadata', /grant_types: must include authorization_code/],
      [{ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata', /token_endpoint_auth_method/],
      [{ redirect_uris: [REDIRECT], client_name: 'x'.repeat(201) }, 'invalid_client_metadata', /client_name: must be at most 200/],
      [{ redirect_uris: [REDIRECT], scope: 'crm:admin' }, 'invalid_client_metadata', /scope: may only hold/],
      [[1, 2], 'invalid_client_metadata', /body: must be a JSON object/],
    ];
    for (const [body, error, description] of bad) {
      const res = await register(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const json = (await res.json()) as { error: string; error_description: string };
      expect(json.error).toBe(error);
      expect(json.error_description).toMatch(description);
    }
    const created = await register({ client_name: 'Confidential', redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic' });
    expect(created.status).toBe(201);
    const info = (await created.json()) as { client_id: string; client_secret: string; client_secret_expires_at: number };
    expect(info.client_secret).toMatch(/^crm_cs_/);
    expect(info.client_secret_expires_at).toBe(0);
    const listed = (await core.oauth.listClients()).find((c) => c.id === info.client_id);
    expect(JSON.stringify(listed)).not.toContain(info.client_secret);
    const basic = (secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(info.client_id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    const noSecret = await token({ grant_type: 'refresh_token', refresh_token: 'crm_rt_x', client_id: info.client_id });
    expect(noSecret.status).toBe(401);
    expect(await noSecret.json()).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/client_secret_basic/) });
    const wrongSecret = await token({ grant_type: 'refresh_token', refresh_token: 'crm_rt_x' }, { authorization: basic('nope') });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.headers.get('www-authenticate')).toContain('Basic');
    const rightSecret = await token({ grant_type: 'refresh_token', refresh_token: 'crm_rt_x' }, { authorization: basic(info.client_secret) });
    expect(await rightSecret.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/Unknown refresh token/) });
  });

  it('the consent page shares the password lockout: after 10 wrong passwords the account gets the page again with 429 and Retry-After', async () => {
    const { client_id } = await publicClient();
    const url = authorizeUrl(client_id, { code_challenge: pkce().challenge });
    const who = { email: 'locked-out@nowhere.example', password: 'guess' };
    for (let i = 0; i < 10; i++) expect((await browser(url, who)).status).toBe(401);
    const locked = await browser(url, who);
    expect(locked.status).toBe(429);
    expect(Number(locked.res!.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect(await locked.res!.text()).toContain('Too many failed logins');
  });

  it('token endpoint errors are RFC 6749 shaped; revocation answers 200 and ends the grant', async () => {
    const { client_id } = await publicClient();
    expect(await (await token({ grant_type: 'password', client_id })).json()).toMatchObject({ error: 'unsupported_grant_type' });
    expect(await (await token({ client_id })).json()).toMatchObject({ error: 'invalid_request', error_description: 'grant_type is required' });
    expect(await (await token({ grant_type: 'authorization_code', code: 'x', code_verifier: pkce().verifier, client_id: 'mcp_unknown_client' })).json()).toMatchObject({ error: 'invalid_client' });
    const json = await fetch(`${base}/oauth/token`, { method: 'POST', body: JSON.stringify({ grant_type: 'refresh_token' }), headers: { 'content-type': 'application/json' } });
    expect(await json.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/x-www-form-urlencoded/) });

    const c = await rawCode();
    const issued = (await (await redeem(c)).json()) as OAuthTokens;
    const revoke = (tok: string) => fetch(`${base}/oauth/revoke`, { method: 'POST', body: new URLSearchParams({ token: tok, client_id: c.clientId }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await revoke('not-a-token')).status).toBe(200);
    expect((await revoke(issued.refresh_token!)).status).toBe(200);
    expect(await mcpStatus(issued.access_token)).toBe(401);
    const c2 = await rawCode();
    const issued2 = (await (await redeem(c2)).json()) as OAuthTokens;
    const revokeAccess = await fetch(`${base}/oauth/revoke`, { method: 'POST', body: new URLSearchParams({ token: issued2.access_token, client_id: c2.clientId, token_type_hint: 'access_token' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(revokeAccess.status).toBe(200);
    expect(await mcpStatus(issued2.access_token)).toBe(401);
  });

  it('answers CORS preflights of browser-based clients (MCP Inspector) on discovery, registration and token endpoints', async () => {
    const origin = 'http://localhost:6274';
    for (const path of ['/oauth/token', '/oauth/register', '/.well-known/oauth-authorization-server', '/.well-known/oauth-protected-resource/mcp/crm']) {
      const pre = await fetch(`${base}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': path.startsWith('/oauth') ? 'POST' : 'GET', 'access-control-request-headers': 'content-type, mcp-protocol-version' } });
      expect(pre.status, path).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('*');
      expect(pre.headers.get('access-control-allow-headers')).toContain('mcp-protocol-version');
    }
    const meta = await fetch(`${base}/.well-known/oauth-protected-resource/mcp/crm`, { headers: { origin } });
    expect(meta.headers.get('access-control-allow-origin')).toBe('*');
    const reg = await fetch(`${base}/oauth/register`, { method: 'POST', body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }), headers: { origin, 'content-type': 'application/json' } });
    expect(reg.status).toBe(201);
    expect(reg.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('with an external OIDC provider the local authorization server is off', async () => {
    const other = Fastify();
    await other.register(app, { core, version: 'test', auth: { ...auth, oidc: { issuer: 'https://idp.example/', jwksUrl: 'https://idp.example/jwks', audience: 'x', tenantClaim: 't', emailClaim: 'email', scopeClaim: 'scope' } } });
    await other.ready();
    expect((await other.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).statusCode).toBe(404);
    expect((await other.inject({ method: 'POST', url: '/oauth/register', payload: { redirect_uris: [REDIRECT] } })).statusCode).toBe(404);
    await other.close();
  });
});
