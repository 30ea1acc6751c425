import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { base64url, exportJWK, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { DEFAULT_AUTH, type AuthOptions } from './auth.config.ts';
import { createTokenService } from './token.service.ts';

const ISSUER = DEFAULT_AUTH.publicUrl;
const API = `${ISSUER}/api`;

describe.each(testDbKinds())('JWT authentication on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let other: TenantFixture;
  let server: FastifyInstance;
  let privateKey: Awaited<ReturnType<typeof importJWK>>;
  let kid: string;
  let jwks: Server;
  let oidcKey: ReturnType<typeof generateKeyPairSync>;
  const OIDC_ISSUER = 'https://idp.example.test/';
  let slug: string;

  const me = (authorization?: string, url = '/auth/me') => server.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
  const expect401 = async (token: string, reason: RegExp) => {
    const r = await me(`Bearer ${token}`);
    expect(r.statusCode).toBe(401);
    const body = r.json();
    expect(body.error).toMatchObject({ code: 'UNAUTHENTICATED', path: '/auth/me', traceId: expect.any(String), timestamp: expect.any(String) });
    expect(body.error.message).toMatch(reason);
    expect(r.headers['www-authenticate']).toContain('Bearer');
  };
  /** A token signed with the issuer's real private key, with any claims and header. */
  const forge = (claims: Record<string, unknown>, o: { iss?: string; aud?: string; exp?: number | string; typ?: string; sub?: string } = {}) =>
    new SignJWT({ tid: f.tenantId, scope: 'crm:read crm:write', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid, typ: o.typ ?? 'at+jwt' })
      .setIssuer(o.iss ?? ISSUER)
      .setAudience(o.aud ?? API)
      .setSubject(o.sub ?? f.rep.userId)
      .setIssuedAt()
      .setExpirationTime(o.exp ?? '5m')
      .sign(privateKey);

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
    const adminEmail = (await core.users.get(f.admin, f.admin.userId)).email;
    slug = (await core.users.firstAdmins()).find((a) => a.email === adminEmail)!.slug;
    // an external OpenID provider: ES256 keys served as a JWKS over HTTP
    oidcKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicJwk = { ...(await exportJWK(createPublicKey(oidcKey.publicKey.export({ format: 'pem', type: 'spki' })))), kid: 'idp-1', alg: 'ES256', use: 'sig' };
    jwks = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [publicJwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const auth: AuthOptions = {
      ...DEFAULT_AUTH,
      oidc: {
        issuer: OIDC_ISSUER,
        jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`,
        audience: 'https://crm.example.test/api',
        tenantClaim: 'org',
        emailClaim: 'email',
        scopeClaim: 'scope',
      },
    };
    server = Fastify();
    await server.register(app, { core, version: 'test', auth });
    await server.ready();
    const key = await core.credentials.signingKey();
    kid = key.kid;
    privateKey = await importJWK(key.privateJwk as JWK, 'RS256');
  });
  afterAll(async () => {
    await server?.close();
    jwks?.close();
    await core?.outbox.stop();
    await t?.drop();
  });

  it('serves the public key set (never the private half)', async () => {
    const r = await server.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(r.statusCode).toBe(200);
    const { keys } = r.json();
    expect(keys).toEqual([expect.objectContaining({ kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: expect.any(String), e: 'AQAB' })]);
    expect(keys[0].d).toBeUndefined();
    expect(keys[0].p).toBeUndefined();
  });

  it('accepts a valid token and yields the same actor as the API key', async () => {
    const byToken = await me(`Bearer ${await forge({})}`);
    expect(byToken.statusCode).toBe(200);
    const byKey = await me(`Bearer ${f.apiKeys.rep}`);
    const { via: v1, scopes: s1, ...who } = byToken.json().data;
    const { via: v2, ...whoByKey } = byKey.json().data;
    expect({ v1, v2, s1 }).toEqual({ v1: 'jwt', v2: 'api-key', s1: ['crm:read', 'crm:write'] });
    expect(who).toEqual({ id: f.rep.userId, tenantId: f.tenantId, email: expect.stringMatching(/^rep@/), name: 'rep', role: 'SALES_REP' });
    expect({ ...whoByKey, scopes: undefined }).toEqual({ ...who, scopes: undefined });
  });

  it('refuses alg none', async () => {
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const now = Math.floor(Date.now() / 1000);
    const token = `${enc({ alg: 'none', typ: 'at+jwt', kid })}.${enc({ iss: ISSUER, aud: API, sub: f.admin.userId, tid: f.tenantId, iat: now, exp: now + 300 })}.`;
    await expect401(token, /algorithm|malformed|unverifiable/i);
  });

  it('refuses HS256 signed with the public key as the HMAC secret', async () => {
    const pem = createPublicKey({ key: (await core.credentials.signingKey()).publicJwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' });
    const token = await new SignJWT({ tid: f.tenantId })
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(API)
      .setSubject(f.admin.userId)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(String(pem)));
    await expect401(token, /algorithm not allowed/i);
  });

  it('refuses a token signed by an unknown key id', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT({ tid: f.tenantId })
      .setProtectedHeader({ alg: 'RS256', kid: 'not-ours', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(API)
      .setSubject(f.admin.userId)
      .setExpirationTime('5m')
      .sign(stranger.privateKey);
    await expect401(token, /unknown key/i);
  });

  it('refuses a wrong issuer, a wrong audience, an MCP token on REST, a refresh token as access token, and an expired token', async () => {
    await expect401(await forge({}, { iss: 'https://evil.example/' }), /issuer this server does not trust/);
    await expect401(await forge({}, { aud: 'https://someone-else.example/api' }), /"aud" claim/);
    await expect401(await forge({}, { aud: `${ISSUER}/mcp` }), /"aud" claim/);
    await expect401(await forge({}, { aud: `${ISSUER}/auth/refresh`, typ: 'rt+jwt' }), /"aud" claim|"typ"/);
    await expect401(await forge({}, { exp: Math.floor(Date.now() / 1000) - 60 }), /expired/);
  });

  it('refuses a token in the query string even when it is valid', async () => {
    const token = await forge({});
    for (const name of ['access_token', 'token', 'api_key']) {
      const r = await me(undefined, `/auth/me?${name}=${token}`);
      expect(r.statusCode).toBe(401);
      expect(r.json().error).toMatchObject({ code: 'UNAUTHENTICATED', details: [{ path: `query.${name}` }] });
    }
    expect((await me(`Bearer ${token}`, `/auth/me?access_token=${token}`)).statusCode).toBe(401);
  });

  it('refuses a token whose user was deactivated, or who does not belong to the named tenant', async () => {
    const { user } = await core.users.createUser(f.admin, { email: 'leaver@x.test', name: 'Leaver', role: 'SALES_REP' });
    const token = await forge({}, { sub: user.id });
    expect((await me(`Bearer ${token}`)).statusCode).toBe(200);
    await core.users.deactivate(f.admin, user.id);
    await expect401(token, /deactivated/);
    await expect401(await forge({ tid: other.tenantId }, { sub: f.rep.userId }), /does not exist in its tenant/);
  });

  it('logs in with a password, refreshes once, and refuses the reused refresh token', async () => {
    const email = (await core.users.get(f.manager, f.manager.userId)).email;
    const noPassword = await server.inject({ method: 'POST', url: '/auth/login', payload: { email, password: 'correct horse battery' } });
    expect(noPassword.statusCode).toBe(401);
    await expect(core.credentials.setPassword(f.rep, f.manager.userId, 'correct horse battery')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(core.credentials.setPassword(f.manager, f.manager.userId, 'short')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'password' }] });
    await core.credentials.setPassword(f.manager, f.manager.userId, 'correct horse battery');
    const wrong = await server.inject({ method: 'POST', url: '/auth/login', payload: { email, password: 'wrong horse battery' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe('Wrong email or password');
    const bad = await server.inject({ method: 'POST', url: '/auth/login', payload: { email, password: 'x', role: 'ADMIN' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body', reason: expect.stringMatching(/role/) }] });

    const login = await server.inject({ method: 'POST', url: '/auth/login', payload: { email: email.toUpperCase(), password: 'correct horse battery' } });
    expect(login.statusCode).toBe(200);
    const tokens = login.json().data;
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, audience: API, user: { id: f.manager.userId, role: 'SALES_MANAGER' } });
    expect((await me(`Bearer ${tokens.accessToken}`)).json().data.id).toBe(f.manager.userId);
    // a refresh token is not an access token
    await expect401(tokens.refreshToken, /"aud" claim|"typ"/);

    const refreshed = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: tokens.refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    const next = refreshed.json().data;
    expect(next.accessToken).not.toBe(tokens.accessToken);
    expect((await me(`Bearer ${next.accessToken}`)).statusCode).toBe(200);
    const replay = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: tokens.refreshToken } });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.message).toMatch(/already used/);
    // reuse spends the whole family: the refresh token issued after it no longer works either
    expect((await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: next.refreshToken } })).statusCode).toBe(401);
  });

  it('locks password login for an account after 10 wrong passwords in a row (429 with Retry-After), other accounts unaffected', async () => {
    const email = (await core.users.get(f.admin, f.rep.userId)).email;
    await core.credentials.setPassword(f.admin, f.rep.userId, 'rep password 123');
    const login = (payload: Record<string, string>) => server.inject({ method: 'POST', url: '/auth/login', payload });
    // a success resets the count: 9 wrong, 1 right, 9 wrong is no lockout
    for (let i = 0; i < 9; i++) expect((await login({ email, password: `wrong ${i}` })).statusCode).toBe(401);
    expect((await login({ email, password: 'rep password 123' })).statusCode).toBe(200);
    for (let i = 0; i < 9; i++) expect((await login({ email, password: `wrong ${i}` })).statusCode).toBe(401);
    expect((await login({ email: email.toUpperCase(), password: 'wrong 10' })).statusCode).toBe(401);
    const locked = await login({ email, password: 'rep password 123' });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(locked.json().error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', details: [{ path: 'email', reason: expect.stringMatching(/locked after 10 failed logins/) }] });
    expect(locked.json().error.meta?.retryAfter ?? locked.json().meta?.retryAfter).toBeGreaterThan(14 * 60);
    // an address nobody has is counted and locked the same way (a lockout tells nothing about who exists)
    for (let i = 0; i < 10; i++) expect((await login({ email: 'nobody@nowhere.example', password: `guess ${i}` })).statusCode).toBe(401);
    expect((await login({ email: 'nobody@nowhere.example', password: 'guess' })).statusCode).toBe(429);
    // the manager's account is not locked
    const manager = (await core.users.get(f.manager, f.manager.userId)).email;
    expect((await login({ email: manager, password: 'correct horse battery' })).statusCode).toBe(200);
  });

  it('issues 15-minute access tokens through the token service (what crm token create prints)', async () => {
    const tokens = createTokenService(core, DEFAULT_AUTH);
    const issued = await tokens.issue(f.marketing, { audience: 'mcp', scopes: ['crm:read'] });
    expect(issued).toMatchObject({ expiresIn: 900, audience: `${ISSUER}/mcp`, scope: 'crm:read' });
    // an MCP token is refused on the REST side
    await expect401(issued.accessToken, /"aud" claim/);
  });

  describe('an external OpenID Connect provider', () => {
    const idpToken = (claims: Record<string, unknown>, aud = 'https://crm.example.test/api', iss = OIDC_ISSUER) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' }).setIssuer(iss).setAudience(aud).setSubject('auth0|123').setExpirationTime('5m').sign(oidcKey.privateKey);

    it('maps tenant and email claims to the existing active user', async () => {
      const email = (await core.users.get(f.rep, f.rep.userId)).email;
      const r = await me(`Bearer ${await idpToken({ org: slug, email })}`);
      expect(r.statusCode).toBe(200);
      expect(r.json().data).toMatchObject({ id: f.rep.userId, role: 'SALES_REP', via: 'jwt' });
    });

    it('refuses the provider\'s tokens with another audience, an unknown user, or no tenant claim', async () => {
      const email = (await core.users.get(f.rep, f.rep.userId)).email;
      await expect401(await idpToken({ org: slug, email }, 'https://other.example/api'), /"aud" claim/);
      await expect401(await idpToken({ org: slug, email: 'nobody@x.test' }), /No user/);
      await expect401(await idpToken({ email }), /lacks the "org"/);
    });
  });
});
