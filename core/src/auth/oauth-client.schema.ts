import { z } from 'zod';

/** Scopes an OAuth client may ask for (the same as every local token). */
export const OAUTH_SCOPES = ['crm:read', 'crm:write'] as const;
export const OAUTH_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
export const OAUTH_AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic'] as const;

/**
 * The protocol errors of RFC 6749 §5.2 / RFC 7591 §3.2.2 / RFC 6749 §4.1.2.1, with the HTTP status
 * the token, registration and revocation endpoints answer them with.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'unsupported_token_type'
  | 'temporarily_unavailable';

export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = error === 'invalid_client' ? 401 : 400,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Schemes that are never a redirect target (script, local content, other protocols). */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'about:', 'blob:', 'filesystem:', 'ws:', 'wss:', 'ftp:', 'mailto:', 'tel:', 'sms:']);

/**
 * https anywhere; http only to a loopback host (RFC 8252 §7.3); a private-use scheme of a native
 * app such as `cursor://…` or `com.example.app:/cb` (RFC 8252 §7.1; PKCE is required anyway); never a
 * fragment, credentials or a scheme that runs or reads something.
 */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (uri.includes('#')) return 'must not contain a fragment (#)';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') return LOOPBACK.has(url.hostname) ? undefined : 'may use http only for a loopback host (localhost, 127.0.0.1, [::1]); use https';
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `scheme ${url.protocol} is not allowed; use https, http for a loopback host, or an app's own scheme`;
  return undefined;
}

/**
 * Whether a redirect_uri of an authorization request is one the client registered: exactly, or —
 * for http to a loopback host — with any port (RFC 8252 §7.3, OAuth 2.1 §8.4.2: a native app
 * listens on whatever port is free when the user signs in).
 */
export function redirectUriRegistered(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  let want: URL;
  try {
    want = new URL(requested);
  } catch {
    return false;
  }
  if (want.protocol !== 'http:' || !LOOPBACK.has(want.hostname) || requested.includes('#') || want.username || want.password) return false;
  return registered.some((r) => {
    try {
      const have = new URL(r);
      return have.protocol === 'http:' && have.hostname === want.hostname && have.pathname === want.pathname && have.search === want.search;
    } catch {
      return false;
    }
  });
}

const noControl = (s: string) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** RFC 7591 client metadata this server understands; unknown fields are ignored (§2). */
export const OAuthClientMetadata = z.object({
  redirect_uris: z
    .array(z.string({ error: 'must be a string' }).max(2000, 'must be at most 2000 characters'), { error: 'must be an array of redirect URIs' })
    .min(1, 'must hold at least one redirect URI')
    .max(10, 'may hold at most 10 redirect URIs'),
  client_name: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').refine(noControl, 'must not contain control characters').optional(),
  token_endpoint_auth_method: z.enum(OAUTH_AUTH_METHODS, { error: `must be one of ${OAUTH_AUTH_METHODS.join(', ')}` }).default('client_secret_basic'),
  grant_types: z
    .array(z.enum(OAUTH_GRANT_TYPES, { error: `each must be one of ${OAUTH_GRANT_TYPES.join(', ')}` }))
    .min(1, 'must not be empty')
    .default(['authorization_code'])
    .refine((g) => g.includes('authorization_code'), 'must include authorization_code'),
  response_types: z
    .array(z.literal('code', { error: 'only "code" is supported' }))
    .min(1, 'must not be empty')
    .default(['code']),
  scope: z
    .string({ error: 'must be a space-separated string' })
    .max(200)
    .refine((s) => s.split(/\s+/).filter(Boolean).every((x) => (OAUTH_SCOPES as readonly string[]).includes(x)), `may only hold ${OAUTH_SCOPES.join(' ')}`)
    .optional(),
  client_uri: z.url({ error: 'must be a URL' }).max(2000).optional(),
  software_id: z.string().max(200).refine(noControl, 'must not contain control characters').optional(),
  software_version: z.string().max(100).refine(noControl, 'must not contain control characters').optional(),
});
export type OAuthClientMetadata = z.infer<typeof OAuthClientMetadata>;

export interface OAuthClient {
  id: string;
  name: string;
  redirectUris: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod: (typeof OAUTH_AUTH_METHODS)[number];
  scope: string;
  clientUri: string | null;
  softwareId: string | null;
  softwareVersion: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** What an authorization code or a refresh token stands for. */
export interface OAuthGrant {
  id: string;
  clientId: string;
  tenantId: string;
  userId: string;
  role: string;
  resource: string;
  scope: string;
}
