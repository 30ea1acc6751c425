import { AuthEnv, WsEnv } from '@crm/core';

/** Scopes a token may carry; API keys (local clients) hold both. */
export const SCOPES = { read: 'crm:read', write: 'crm:write' } as const;
export const ALL_SCOPES: string[] = [SCOPES.read, SCOPES.write];

export interface OidcOptions {
  issuer: string;
  jwksUrl: string;
  /** aud of REST tokens. */
  audience: string;
  /** aud of MCP tokens; default <publicUrl>/mcp. */
  mcpAudience?: string;
  tenantClaim: string;
  emailClaim: string;
  scopeClaim: string;
}

export interface AuthOptions {
  /** Base URL of the gateway: issuer of local tokens and base of their audiences (<url>/api, <url>/mcp). */
  publicUrl: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  oauth: OAuthServerOptions;
  oidc?: OidcOptions;
}

/** The OAuth 2.1 authorization server of the local issuer (off while an external OIDC provider is configured). */
export interface OAuthServerOptions {
  dynamicRegistration: boolean;
  registrationsPerHour: number;
  codeTtlSeconds: number;
}

export interface WsOptions {
  maxConnectionsPerUser: number;
  maxBufferedBytes: number;
  heartbeatMs: number;
  authTimeoutMs: number;
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');

export function authOptions(env: AuthEnv, http: { host: string; port: number }): AuthOptions {
  const host = http.host.includes(':') ? `[${http.host}]` : http.host;
  return {
    publicUrl: trimSlash(env.CRM_PUBLIC_URL ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${http.port}`),
    accessTtlSeconds: env.AUTH_ACCESS_TOKEN_TTL_SECONDS,
    refreshTtlSeconds: env.AUTH_REFRESH_TOKEN_TTL_SECONDS,
    oauth: { dynamicRegistration: env.OAUTH_DYNAMIC_REGISTRATION, registrationsPerHour: env.OAUTH_REGISTRATIONS_PER_HOUR, codeTtlSeconds: env.OAUTH_CODE_TTL_SECONDS },
    ...(env.AUTH_OIDC_ISSUER && env.AUTH_OIDC_JWKS_URL && env.AUTH_OIDC_AUDIENCE
      ? {
          oidc: {
            issuer: env.AUTH_OIDC_ISSUER,
            jwksUrl: env.AUTH_OIDC_JWKS_URL,
            audience: env.AUTH_OIDC_AUDIENCE,
            ...(env.AUTH_OIDC_MCP_AUDIENCE ? { mcpAudience: env.AUTH_OIDC_MCP_AUDIENCE } : {}),
            tenantClaim: env.AUTH_OIDC_TENANT_CLAIM,
            emailClaim: env.AUTH_OIDC_EMAIL_CLAIM,
            scopeClaim: env.AUTH_OIDC_SCOPE_CLAIM,
          },
        }
      : {}),
  };
}

export function wsOptions(env: WsEnv): WsOptions {
  return {
    maxConnectionsPerUser: env.WS_MAX_CONNECTIONS_PER_USER,
    maxBufferedBytes: env.WS_MAX_BUFFERED_BYTES,
    heartbeatMs: env.WS_HEARTBEAT_SECONDS * 1000,
    authTimeoutMs: env.WS_AUTH_TIMEOUT_SECONDS * 1000,
  };
}

export const DEFAULT_AUTH: AuthOptions = authOptions(AuthEnv.parse({}), { host: '127.0.0.1', port: 3000 });
export const DEFAULT_WS: WsOptions = wsOptions(WsEnv.parse({}));
