import { HttpEnv } from '@crm/core';

// The variables are part of the one configuration schema (core/src/config/http-env.ts).
export { HttpEnv };

/** What registerHttpSecurity takes: parsed, with defaults applied. */
export interface HttpSecurityOptions {
  /** Lower-case host names (optionally host:port); `'*'` allows any. */
  allowedHosts: string[] | '*';
  /** Lower-case origins (scheme://host[:port]); `'*'` allows any. */
  allowedOrigins: string[] | '*';
  rateLimit: { perKey: number; perTenant: number; windowMs: number };
  bodyLimit: number;
  /** Limits of /mcp Streamable HTTP sessions (per server, per process). */
  mcp?: { maxSessions: number; maxSessionsPerUser: number };
  /** Fastify's trustProxy: which proxies' X-Forwarded-For to believe (false = none). */
  trustProxy?: boolean | string;
  redisUrl?: string;
  /** CORS for /api/v1: lower-case origins, `'*'` for any, empty = off. */
  corsOrigins?: string[] | '*';
}

export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

export function httpSecurityOptions(env: HttpEnv): HttpSecurityOptions {
  const any = (xs: string[]) => xs.includes('*');
  return {
    allowedHosts: any(env.CRM_ALLOWED_HOSTS) ? '*' : env.CRM_ALLOWED_HOSTS.length ? env.CRM_ALLOWED_HOSTS : LOOPBACK_HOSTS,
    allowedOrigins: any(env.CRM_ALLOWED_ORIGINS) ? '*' : env.CRM_ALLOWED_ORIGINS.map((o) => o.replace(/\/+$/, '')),
    rateLimit: { perKey: env.RATE_LIMIT_PER_KEY, perTenant: env.RATE_LIMIT_PER_TENANT, windowMs: env.RATE_LIMIT_WINDOW_SECONDS * 1000 },
    bodyLimit: env.HTTP_BODY_LIMIT_BYTES,
    trustProxy: env.CRM_TRUST_PROXY,
    mcp: { maxSessions: env.MCP_MAX_SESSIONS, maxSessionsPerUser: env.MCP_MAX_SESSIONS_PER_USER },
    corsOrigins: any(env.CRM_CORS_ORIGINS ?? []) ? '*' : (env.CRM_CORS_ORIGINS ?? []).map((o) => o.replace(/\/+$/, '')),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  };
}

/** The defaults: loopback only, in-memory counters. */
export const DEFAULT_HTTP_SECURITY: HttpSecurityOptions = httpSecurityOptions(HttpEnv.parse({}));
