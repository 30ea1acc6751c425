import { createHash } from 'node:crypto';
import { OAUTH_SCOPES, redirectUriRegistered, type CrmCore, type OAuthClient } from '@crm/core';
import { serverNames } from '@crm/mcp-servers';
import type { FastifyRequest } from 'fastify';
import type { AuthOptions } from './auth.config.ts';
import { requestBase } from './authenticator.ts';

/** The parameters of an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 8707 §2). */
export interface AuthorizationParams {
  client_id?: string;
  redirect_uri?: string;
  response_type?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  state?: string;
  scope?: string;
  resource?: string;
}

/** A request whose client and redirect_uri are trusted: later problems go back to the client. */
export interface ValidRequest {
  client: OAuthClient;
  redirectUri: string;
  state?: string;
  codeChallenge: string;
  resource: string;
  scopes: string[];
}

/** Before the redirect_uri is trusted: shown on the page, never redirected (RFC 6749 §4.1.2.1). */
export class PageError extends Error {}

/** After: an `error=` redirect to the client. */
export class RedirectError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly to: { redirectUri: string; state?: string },
  ) {
    super(description);
  }
}

const FIELDS: (keyof AuthorizationParams)[] = ['client_id', 'redirect_uri', 'response_type', 'code_challenge', 'code_challenge_method', 'state', 'scope', 'resource'];

/** The authorization parameters of a query or form: strings only, a repeated parameter is an error (RFC 6749 §3.1). */
export function pickParams(source: unknown): AuthorizationParams {
  const src = (source ?? {}) as Record<string, unknown>;
  const out: AuthorizationParams = {};
  for (const f of FIELDS) {
    const v = src[f];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string') throw new PageError(`The parameter ${f} was sent more than once or is not text`);
    if (v.length > 4096) throw new PageError(`The parameter ${f} is too long`);
    out[f] = v;
  }
  return out;
}

/** A digest of the parameters the consent form was shown for, so the form cannot be replayed for another request. */
export function paramsDigest(p: AuthorizationParams): string {
  return createHash('sha256').update(JSON.stringify(FIELDS.map((f) => p[f] ?? null))).digest('base64url');
}

/**
 * RFC 8707: the resource must be this server's `/mcp` or `/mcp/<server>`, named by the public URL
 * or the URL this request used; absent, it is `<public URL>/mcp`.
 */
export function resourceProblem(resource: string, req: FastifyRequest, options: AuthOptions): string | undefined {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return 'resource must be an absolute URL';
  }
  if (url.hash || resource.includes('#')) return 'resource must not contain a fragment';
  if (url.search) return 'resource must not contain a query';
  const origins = new Set([new URL(options.publicUrl).origin, new URL(requestBase(req)).origin]);
  if (!origins.has(url.origin)) return `resource ${resource} is not served by this server; use ${options.publicUrl}/mcp`;
  const m = /^\/mcp(?:\/([^/]+))?$/.exec(url.pathname);
  if (!m) return `resource must be ${options.publicUrl}/mcp or ${options.publicUrl}/mcp/<server>`;
  if (m[1] && !serverNames().includes(m[1])) return `resource names an unknown MCP server "${m[1]}"; known: ${serverNames().join(', ')}`;
  return undefined;
}

/** Validate an authorization request in the order RFC 6749 §4.1.2.1 asks for. */
export async function validateAuthorization(core: CrmCore, p: AuthorizationParams, req: FastifyRequest, options: AuthOptions): Promise<ValidRequest> {
  if (!p.client_id) throw new PageError('The request has no client_id: the application that sent you here is misconfigured');
  const client = await core.oauth.client(p.client_id);
  if (!client) throw new PageError('Unknown or revoked client_id: the application must register again');
  if (!p.redirect_uri) throw new PageError('The request has no redirect_uri');
  if (!redirectUriRegistered(client.redirectUris, p.redirect_uri)) throw new PageError('The redirect_uri is not one this client registered (an exact match; for http to a loopback host any port)');
  const to = { redirectUri: p.redirect_uri, ...(p.state !== undefined ? { state: p.state } : {}) };
  const fail = (error: string, description: string) => new RedirectError(error, description, to);
  if (p.response_type !== 'code') throw fail('unsupported_response_type', 'response_type must be "code"');
  if (!p.code_challenge) throw fail('invalid_request', 'code_challenge is required (PKCE with S256)');
  if (p.code_challenge_method !== 'S256') throw fail('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
  if (!/^[A-Za-z0-9_-]{43}$/.test(p.code_challenge)) throw fail('invalid_request', 'code_challenge must be the base64url SHA-256 of the verifier (43 characters)');
  const resource = p.resource ?? `${options.publicUrl}/mcp`;
  const problem = resourceProblem(resource, req, options);
  if (problem) throw fail('invalid_target', problem);
  // the registered scope is only the default: MCP clients register with the scope of the first
  // challenge (crm:read) and later step up to crm:write after a 403 insufficient_scope; the user consents to each
  const scopes = [...new Set((p.scope ?? client.scope).split(/\s+/).filter(Boolean))];
  const unknown = scopes.filter((s) => !(OAUTH_SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw fail('invalid_scope', `Unsupported scope ${unknown.join(', ')}; supported: ${OAUTH_SCOPES.join(' ')}`);
  if (!scopes.length) throw fail('invalid_scope', 'scope must name at least one scope');
  return { client, redirectUri: p.redirect_uri, ...(p.state !== undefined ? { state: p.state } : {}), codeChallenge: p.code_challenge, resource, scopes };
}

/** The client's redirect URI with response parameters added (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}
