import { randomUUID } from 'node:crypto';
import { AppError, type CrmCore, type ResolvedUser } from '@crm/core';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, importJWK, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ALL_SCOPES, type AuthOptions } from './auth.config.ts';

/** Only asymmetric algorithms: an HS256 token "signed" with our public key, or alg none, never verifies. */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256'];
const ACCESS_TYP = 'at+jwt';
const REFRESH_TYP = 'rt+jwt';
/** The consent form's CSRF token: signed by the issuer, bound to the browser (cookie) and the request. */
const FORM_TYP = 'form+jwt';
/** How often an unknown kid may make us re-read the local key set. */
const KEY_REFRESH_MS = 30_000;

export type Audience = 'api' | 'mcp';

export interface VerifiedToken {
  user: ResolvedUser;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
  issuer: 'local' | 'oidc';
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds the access token is valid. */
  expiresIn: number;
  audience: string;
  scope: string;
}

/** A string shaped like a compact JWS (three base64url parts); anything else is treated as an API key. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token) && token.startsWith('eyJ');
}

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message);

/** What jose's errors mean to a client (no internals, no token echo). */
function describeJoseError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code ?? '';
  const claim = (err as { claim?: string }).claim;
  if (code === 'ERR_JWT_EXPIRED') return unauthenticated('The token has expired');
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return unauthenticated(`The token's "${claim}" claim is not accepted here`);
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') return unauthenticated(`Token algorithm not allowed; use one of ${ALLOWED_ALGORITHMS.join(', ')}`);
  if (code === 'ERR_JWKS_NO_MATCHING_KEY') return unauthenticated('The token was signed by an unknown key (kid)');
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return unauthenticated('The token signature is invalid');
  if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JOSE_GENERIC') return unauthenticated('The identity provider\'s keys could not be fetched');
  return unauthenticated('Malformed or unverifiable token');
}

function scopesOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((s): s is string => typeof s === 'string');
  if (typeof claim === 'string') return claim.split(/\s+/).filter(Boolean);
  return [];
}

/**
 * The local JWT issuer (RS256, key pair kept in the database) and the verifier of local and
 * external (OIDC) tokens. Audiences keep REST and MCP tokens apart: <publicUrl>/api and
 * <publicUrl>/mcp (or <publicUrl>/mcp/<server>, the resource indicator of one server).
 */
export function createTokenService(core: CrmCore, options: AuthOptions) {
  const issuer = options.publicUrl;
  const audiences = { api: `${issuer}/api`, mcp: `${issuer}/mcp`, refresh: `${issuer}/auth/refresh` };
  let localKeys: { getKey: JWTVerifyGetKey; loadedAt: number } | undefined;
  const remote = options.oidc ? createRemoteJWKSet(new URL(options.oidc.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 }) : undefined;

  async function keySet(refresh = false): Promise<JWTVerifyGetKey> {
    if (!localKeys || (refresh && Date.now() - localKeys.loadedAt > KEY_REFRESH_MS)) {
      const keys = await core.credentials.publicKeys();
      localKeys = { getKey: createLocalJWKSet({ keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) }), loadedAt: Date.now() };
    }
    return localKeys.getKey;
  }

  let signer: Promise<{ kid: string; alg: string; key: Awaited<ReturnType<typeof importJWK>> }> | undefined;
  function signingKey() {
    signer ??= core.credentials.signingKey().then(async (k) => ({ kid: k.kid, alg: k.alg, key: await importJWK(k.privateJwk as never, k.alg) }));
    // a failed load (database down) is retried by the next request
    signer.catch(() => (signer = undefined));
    return signer;
  }

  async function sign(claims: JWTPayload, typ: string, audience: string, ttlSeconds: number, subject: string, jti = randomUUID()): Promise<string> {
    const key = await signingKey();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .setJti(jti)
      .sign(key.key);
  }

  async function verifyLocal(token: string, audience: string | string[], typ: string): Promise<JWTPayload> {
    const opts = { issuer, audience, algorithms: ALLOWED_ALGORITHMS, typ };
    try {
      return (await jwtVerify(token, await keySet(), opts)).payload;
    } catch (err) {
      // a key created by another replica since we loaded ours
      if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw err;
      return (await jwtVerify(token, await keySet(true), opts)).payload;
    }
  }

  const service = {
    issuer,
    audiences,
    /** The audience a token for `kind` carries; `server` narrows MCP to /mcp/<server>. */
    audienceFor(kind: Audience, server?: string): string {
      return kind === 'api' ? audiences.api : server ? `${audiences.mcp}/${server}` : audiences.mcp;
    },

    /** An access token (default 15 min) and a refresh token (default 7 days, good once) for an active user. */
    async issue(user: Pick<ResolvedUser, 'userId' | 'tenantId'>, opts: { audience?: Audience; scopes?: string[]; server?: string } = {}): Promise<IssuedTokens> {
      const audience = service.audienceFor(opts.audience ?? 'api', opts.server);
      const scope = (opts.scopes ?? ALL_SCOPES).join(' ');
      const accessToken = await sign({ tid: user.tenantId, scope }, ACCESS_TYP, audience, options.accessTtlSeconds, user.userId);
      const jti = randomUUID();
      const refreshToken = await sign({ tid: user.tenantId, scope, for: audience }, REFRESH_TYP, audiences.refresh, options.refreshTtlSeconds, user.userId, jti);
      await core.credentials.recordRefresh(user, jti, new Date(Date.now() + options.refreshTtlSeconds * 1000));
      return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: options.accessTtlSeconds, audience, scope };
    },

    /**
     * An access token for an exact audience (an OAuth resource indicator), carrying the OAuth
     * client and grant it was issued under; `/mcp` accepts it like any local token.
     */
    async issueAccess(user: Pick<ResolvedUser, 'userId' | 'tenantId'>, opts: { audience: string; scopes: string[]; clientId: string; grantId: string }): Promise<{ accessToken: string; expiresIn: number }> {
      const accessToken = await sign({ tid: user.tenantId, scope: opts.scopes.join(' '), client_id: opts.clientId, gid: opts.grantId }, ACCESS_TYP, opts.audience, options.accessTtlSeconds, user.userId);
      return { accessToken, expiresIn: options.accessTtlSeconds };
    },

    /** The claims of an access token this issuer signed (any audience, expired or not: RFC 7009 revocation), or undefined. */
    async verifyOwnAccess(token: string): Promise<JWTPayload | undefined> {
      if (!looksLikeJwt(token)) return undefined;
      try {
        return (await jwtVerify(token, await keySet(), { issuer, algorithms: ALLOWED_ALGORITHMS, typ: ACCESS_TYP, currentDate: new Date(0) })).payload;
      } catch {
        return undefined;
      }
    },

    /** A short-lived signed form token (CSRF) holding `claims`; verifiable by every replica. */
    async signForm(claims: Record<string, string>, ttlSeconds: number): Promise<string> {
      return sign(claims, FORM_TYP, `${issuer}/oauth/authorize`, ttlSeconds, 'form');
    },

    /** The claims of a form token this issuer signed, or undefined when it is forged, expired or malformed. */
    async verifyForm(token: string): Promise<JWTPayload | undefined> {
      if (!looksLikeJwt(token)) return undefined;
      try {
        return await verifyLocal(token, `${issuer}/oauth/authorize`, FORM_TYP);
      } catch {
        return undefined;
      }
    },

    /** Trade a refresh token for a new pair; the old refresh token is spent. */
    async refresh(refreshToken: unknown): Promise<IssuedTokens> {
      if (typeof refreshToken !== 'string' || !looksLikeJwt(refreshToken)) {
        throw AppError.validation([{ path: 'refreshToken', reason: 'must be the refresh token from /auth/login or /auth/refresh' }]);
      }
      let payload: JWTPayload;
      try {
        payload = await verifyLocal(refreshToken, audiences.refresh, REFRESH_TYP);
      } catch (err) {
        throw describeJoseError(err);
      }
      const user = await core.credentials.activeUser(String(payload.tid), String(payload.sub));
      await core.credentials.consumeRefresh(String(payload.jti), user);
      const forAud = String(payload.for ?? audiences.api);
      const server = forAud.startsWith(`${audiences.mcp}/`) ? forAud.slice(audiences.mcp.length + 1) : undefined;
      return service.issue(user, { audience: forAud.startsWith(audiences.mcp) ? 'mcp' : 'api', scopes: scopesOf(payload.scope), ...(server ? { server } : {}) });
    },

    /**
     * Verify a bearer JWT for `accept` audiences: signature (RS256/ES256 only, known kid), issuer,
     * audience, expiry; then the user must exist and be active in the token's tenant.
     */
    async verify(token: string, accept: { local: string[]; oidc?: string[] }): Promise<VerifiedToken> {
      let iss: string | undefined;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        throw unauthenticated('Malformed token');
      }
      try {
        if (iss === issuer) {
          const p = await verifyLocal(token, accept.local, ACCESS_TYP);
          const user = await core.credentials.activeUser(String(p.tid), String(p.sub));
          // tokens of an OAuth grant stop with the grant (client revoked, code or refresh token replayed)
          if (p.gid !== undefined && !(await core.oauth.grantActive(String(p.gid)))) throw unauthenticated('The authorization of this token was revoked; authorize again');
          return { user, scopes: scopesOf(p.scope), expiresAt: p.exp!, issuer: 'local' };
        }
        const oidc = options.oidc;
        if (oidc && remote && iss === oidc.issuer && accept.oidc?.length) {
          const { payload: p } = await jwtVerify(token, remote, { issuer: oidc.issuer, audience: accept.oidc, algorithms: ALLOWED_ALGORITHMS, requiredClaims: ['exp'] });
          const tenant = p[oidc.tenantClaim];
          const email = p[oidc.emailClaim];
          if (typeof tenant !== 'string' || typeof email !== 'string') {
            throw unauthenticated(`The token lacks the "${oidc.tenantClaim}" or "${oidc.emailClaim}" claim that names the tenant and user`);
          }
          const user = await core.credentials.activeUserByEmail(tenant, email);
          return { user, scopes: scopesOf(p[oidc.scopeClaim]), expiresAt: p.exp!, issuer: 'oidc' };
        }
      } catch (err) {
        throw describeJoseError(err);
      }
      throw unauthenticated('The token was issued by an issuer this server does not trust');
    },

    /** Public keys of the local issuer, for /.well-known/jwks.json. */
    async jwks(): Promise<{ keys: Record<string, unknown>[] }> {
      await core.credentials.signingKey(); // the first request creates the key pair
      const keys = await core.credentials.publicKeys();
      return { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) };
    },
  };
  return service;
}

export type TokenService = ReturnType<typeof createTokenService>;
