import { AppError, type Actor, type CrmCore } from '@crm/core';
import type { FastifyRequest } from 'fastify';
import { ALL_SCOPES, type AuthOptions } from './auth.config.ts';
import { looksLikeJwt, type TokenService } from './token.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Scopes of the credential: a token's granted scopes; API keys hold every scope. */
    authScopes?: string[];
    /** 'jwt' or 'api-key', once authenticated. */
    authMethod?: 'jwt' | 'api-key';
    /** When a token credential stops being valid (ms since the epoch); long-lived connections end then. */
    authExpiresAt?: number;
  }
}

/** The scheme, host and port the request was sent to (the Host header is allow-listed before this runs). */
export function requestBase(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? req.hostname}`;
}

/** `/mcp/<server>` → `<server>`; undefined for every other route. */
export function mcpServerOf(req: FastifyRequest): string | undefined {
  const m = /^\/mcp\/([^/?#]+)/.exec(req.url);
  return m?.[1];
}

/** `/mcp` (the combined server) or `/mcp/<server>`. */
export function isMcpRequest(req: FastifyRequest): boolean {
  return mcpServerOf(req) !== undefined || req.url === '/mcp' || req.url.startsWith('/mcp?');
}

/**
 * The audiences a token must carry on this request: MCP routes take tokens for the MCP resource
 * (the whole /mcp or this server's /mcp/<server>), every other route tokens for the REST API.
 * Both the configured public URL and the URL the request used name this server.
 */
export function acceptedAudiences(req: FastifyRequest, tokens: TokenService, options: AuthOptions): { local: string[]; oidc: string[] } {
  const server = mcpServerOf(req);
  const bases = [...new Set([options.publicUrl, requestBase(req)])];
  if (isMcpRequest(req)) {
    const local = bases.flatMap((b) => [`${b}/mcp`, ...(server ? [`${b}/mcp/${server}`] : [])]);
    const oidcMcp = options.oidc?.mcpAudience ?? tokens.audiences.mcp;
    return { local, oidc: options.oidc ? [oidcMcp, ...(server ? [`${oidcMcp.replace(/\/+$/, '')}/${server}`] : [])] : [] };
  }
  return { local: bases.map((b) => `${b}/api`), oidc: options.oidc ? [options.oidc.audience] : [] };
}

/**
 * The gateway's one credential check: a JWT (local issuer or external OIDC) or an API key, both
 * yielding the same core Actor for a user who exists and is active in the tenant.
 */
export function createAuthenticator(core: CrmCore, tokens: TokenService, options: AuthOptions) {
  return async (token: string, req: FastifyRequest): Promise<Actor> => {
    if (looksLikeJwt(token)) {
      const verified = await tokens.verify(token, acceptedAudiences(req, tokens, options));
      req.authScopes = verified.scopes;
      req.authMethod = 'jwt';
      req.authExpiresAt = verified.expiresAt * 1000;
      const u = verified.user;
      return { userId: u.userId, tenantId: u.tenantId, role: u.role, kind: 'user' };
    }
    const u = await core.users.authenticate(token);
    req.authScopes = ALL_SCOPES;
    req.authMethod = 'api-key';
    return { userId: u.userId, tenantId: u.tenantId, role: u.role, kind: 'user' };
  };
}

/** Query parameters that would put a credential into URLs (logs, proxies, browser history). */
const QUERY_CREDENTIALS = ['access_token', 'token', 'id_token', 'refresh_token', 'api_key', 'apikey', 'apiKey', 'jwt', 'bearer', 'auth'];

export function assertNoQueryCredential(req: FastifyRequest): void {
  const at = req.url.indexOf('?');
  if (at < 0) return; // no query string, no credential in it (and no parse per request)
  const q = req.query as Record<string, unknown> | undefined;
  const raw = new URLSearchParams(req.url.slice(at + 1));
  const found = QUERY_CREDENTIALS.find((name) => (q && q[name] !== undefined) || raw?.has(name));
  if (found) {
    throw new AppError('UNAUTHENTICATED', 'Credentials are never accepted in the URL: send "Authorization: Bearer <token>" instead', {
      details: [{ path: `query.${found}`, reason: 'credentials in the query string are refused' }],
    });
  }
}
