import { AppError, isAppError, OAuthError, type CrmCore, type OAuthClient, type OAuthGrant } from '@crm/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errorHandler } from '../http/error-envelope.ts';
import { ALL_SCOPES, type AuthOptions } from './auth.config.ts';
import { authorizeRoutes } from './oauth-authorize.routes.ts';
import type { TokenService } from './token.service.ts';

export interface OAuthRoutesOptions {
  core: CrmCore;
  tokens: TokenService;
  options: AuthOptions;
}

type Form = Record<string, string | string[]>;

/** application/x-www-form-urlencoded → an object; a repeated name becomes an array (refused where one value is expected). */
function parseForm(body: string): Form {
  const out: Form = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
  }
  return out;
}

/** One text parameter of a token/revocation request (RFC 6749 §3.2: no parameter twice). */
function param(body: unknown, name: string): string | undefined {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new OAuthError('invalid_request', `${name} must be sent once, as text`);
  return v;
}

/** RFC 6749 §2.3.1: HTTP Basic (form-encoded id and secret), or client_id (+ client_secret) in the body. */
function clientCredentials(req: FastifyRequest): { id?: string; secret?: string; method: 'none' | 'client_secret_post' | 'client_secret_basic' } {
  const header = req.headers.authorization;
  const bodyId = param(req.body, 'client_id');
  if (header?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'Malformed HTTP Basic credentials');
    const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    if (bodyId && bodyId !== id) throw new OAuthError('invalid_request', 'client_id in the body differs from the HTTP Basic user');
    if (param(req.body, 'client_secret')) throw new OAuthError('invalid_request', 'Send the client secret once: HTTP Basic or client_secret, not both');
    return { id, secret, method: 'client_secret_basic' };
  }
  const secret = param(req.body, 'client_secret');
  return { ...(bodyId ? { id: bodyId } : {}), ...(secret ? { secret, method: 'client_secret_post' as const } : { method: 'none' as const }) };
}

function assertForm(req: FastifyRequest): void {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new OAuthError('invalid_request', 'Send the request as application/x-www-form-urlencoded (RFC 6749 §3.2)');
}

const CORS_PATHS = /^\/(\.well-known\/(oauth-authorization-server|openid-configuration)(\/.*)?|oauth\/(register|token|revoke))$/;

/**
 * The OAuth 2.1 authorization server of the local issuer, for MCP clients that run the MCP
 * authorization flow themselves: metadata (RFC 8414), dynamic client registration (RFC 7591),
 * the authorization code flow with PKCE S256 (consent page: oauth-authorize.routes.ts), the token
 * endpoint with refresh-token rotation, and revocation (RFC 7009). Access tokens are the local
 * issuer's JWTs, audience = the resource (RFC 8707), so /mcp accepts them unchanged.
 */
export const oauthServerRoutes: FastifyPluginAsync<OAuthRoutesOptions> = async (fastify, { core, tokens, options }) => {
  const issuer = options.publicUrl;

  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, parseForm(String(body))));

  // protocol errors as RFC 6749 §5.2 JSON; everything else (rate limits, outages) in the house envelope
  fastify.setErrorHandler((err, req, reply) => {
    if (err instanceof OAuthError) {
      if (err.status === 401 && req.headers.authorization?.toLowerCase().startsWith('basic ')) void reply.header('www-authenticate', 'Basic realm="agentic-crm"');
      return reply.status(err.status).header('cache-control', 'no-store').send({ error: err.error, error_description: err.description });
    }
    return errorHandler(err as Error, req, reply);
  });

  // browser-based clients (MCP Inspector) call discovery, registration and token endpoints cross-origin
  fastify.addHook('onRequest', async (req, reply) => {
    if (req.headers.origin && CORS_PATHS.test(req.url.split('?')[0]!)) {
      void reply.header('access-control-allow-origin', '*').header('vary', 'origin');
    }
  });
  for (const path of ['/oauth/register', '/oauth/token', '/oauth/revoke', '/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    fastify.options(path, async (_req, reply) =>
      reply
        .status(204)
        .header('access-control-allow-methods', path.startsWith('/.well-known') ? 'GET, OPTIONS' : 'POST, OPTIONS')
        .header('access-control-allow-headers', 'authorization, content-type, mcp-protocol-version')
        .header('access-control-max-age', '600')
        .send(),
    );
  }

  const metadata = () => ({
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    ...(options.oauth.dynamicRegistration ? { registration_endpoint: `${issuer}/oauth/register` } : {}),
    revocation_endpoint: `${issuer}/oauth/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    revocation_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    scopes_supported: ALL_SCOPES,
    authorization_response_iss_parameter_supported: true,
  });
  const sendMetadata = async (_req: FastifyRequest, reply: FastifyReply) => reply.header('cache-control', 'public, max-age=300').send(metadata());
  // RFC 8414 at the root, its path-suffixed form (clients that append the resource path), and the OIDC discovery names clients probe
  fastify.get('/.well-known/oauth-authorization-server', sendMetadata);
  fastify.get('/.well-known/oauth-authorization-server/*', sendMetadata);
  fastify.get('/.well-known/openid-configuration', sendMetadata);
  fastify.get('/.well-known/openid-configuration/*', sendMetadata);

  const registrations = fastify.createRateLimit({ timeWindow: 3_600_000, max: options.oauth.registrationsPerHour, keyGenerator: (req) => `oauth-register:${req.ip}` });

  fastify.post('/oauth/register', async (req, reply) => {
    if (!options.oauth.dynamicRegistration) throw new OAuthError('access_denied', 'Dynamic client registration is turned off here (OAUTH_DYNAMIC_REGISTRATION=false)', 403);
    const limit = await registrations(req);
    if (!limit.isAllowed && limit.isExceeded) {
      const retryAfter = Math.max(1, limit.ttlInSeconds);
      throw new AppError('RATE_LIMIT_EXCEEDED', `Too many client registrations from this address: at most ${limit.max} per hour; retry in ${retryAfter} s`, { retryAfter });
    }
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw new OAuthError('invalid_client_metadata', 'body: must be a JSON object of client metadata (RFC 7591)');
    const { client, secret } = await core.oauth.registerClient(req.body);
    req.log.info({ clientId: client.id, clientName: client.name }, 'oauth client registered');
    return reply
      .status(201)
      .header('cache-control', 'no-store')
      .send({
        client_id: client.id,
        client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
        ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
        client_name: client.name,
        redirect_uris: client.redirectUris,
        grant_types: client.grantTypes,
        response_types: ['code'],
        token_endpoint_auth_method: client.tokenEndpointAuthMethod,
        scope: client.scope,
        ...(client.clientUri ? { client_uri: client.clientUri } : {}),
        ...(client.softwareId ? { software_id: client.softwareId } : {}),
        ...(client.softwareVersion ? { software_version: client.softwareVersion } : {}),
      });
  });

  /** The user behind a grant, still active and in the role they consented with; otherwise the grant ends. */
  async function grantUser(grant: OAuthGrant) {
    try {
      const user = await core.credentials.activeUser(grant.tenantId, grant.userId);
      if (user.role !== grant.role) {
        await core.oauth.revokeGrant(grant.id, 'role changed');
        throw new OAuthError('invalid_grant', "The user's role changed since this authorization; authorize again");
      }
      return user;
    } catch (err) {
      if (!isAppError(err) || err.code !== 'UNAUTHENTICATED') throw err;
      await core.oauth.revokeGrant(grant.id, 'user inactive');
      throw new OAuthError('invalid_grant', `${err.message}; the authorization is revoked`);
    }
  }

  async function tokenResponse(reply: FastifyReply, client: OAuthClient, grant: OAuthGrant, scopes: string[]) {
    const user = await grantUser(grant);
    const access = await tokens.issueAccess(user, { audience: grant.resource, scopes, clientId: client.id, grantId: grant.id });
    const refresh = client.grantTypes.includes('refresh_token') ? await core.oauth.issueRefresh(grant, options.refreshTtlSeconds) : undefined;
    return reply
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send({ access_token: access.accessToken, token_type: 'Bearer', expires_in: access.expiresIn, ...(refresh ? { refresh_token: refresh } : {}), scope: scopes.join(' ') });
  }

  fastify.post('/oauth/token', async (req, reply) => {
    assertForm(req);
    const creds = clientCredentials(req);
    const client = await core.oauth.authenticateClient(creds.id, creds.secret, creds.method);
    const grantType = param(req.body, 'grant_type');
    const resource = param(req.body, 'resource');
    if (grantType === 'authorization_code') {
      const code = param(req.body, 'code');
      if (!code) throw new OAuthError('invalid_request', 'code is required');
      const grant = await core.oauth.redeemCode({ code, client, redirectUri: param(req.body, 'redirect_uri'), codeVerifier: param(req.body, 'code_verifier'), ...(resource ? { resource } : {}) });
      return tokenResponse(reply, client, grant, grant.scope.split(' '));
    }
    if (grantType === 'refresh_token') {
      if (!client.grantTypes.includes('refresh_token')) throw new OAuthError('unauthorized_client', 'This client did not register the refresh_token grant type');
      const token = param(req.body, 'refresh_token');
      if (!token) throw new OAuthError('invalid_request', 'refresh_token is required');
      const grant = await core.oauth.spendRefresh(token, client);
      if (resource && resource !== grant.resource) throw new OAuthError('invalid_target', `resource must be ${grant.resource}, the resource of this authorization`);
      const granted = grant.scope.split(' ');
      const asked = param(req.body, 'scope')?.split(/\s+/).filter(Boolean) ?? granted;
      const extra = asked.filter((s) => !granted.includes(s));
      if (extra.length) throw new OAuthError('invalid_scope', `A refresh may only narrow the scope; ${extra.join(', ')} was not granted`);
      return tokenResponse(reply, client, grant, asked);
    }
    throw new OAuthError(grantType ? 'unsupported_grant_type' : 'invalid_request', grantType ? `grant_type ${grantType} is not supported; use authorization_code or refresh_token` : 'grant_type is required');
  });

  fastify.post('/oauth/revoke', async (req, reply) => {
    assertForm(req);
    const creds = clientCredentials(req);
    const client = await core.oauth.authenticateClient(creds.id, creds.secret, creds.method);
    const token = param(req.body, 'token');
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    const access = await tokens.verifyOwnAccess(token);
    if (access) {
      // an access token of this client's grant ends the grant (RFC 7009 §2.1: the AS may revoke related tokens)
      if (access.client_id === client.id && typeof access.gid === 'string') await core.oauth.revokeGrant(access.gid, 'revoked by the client');
    } else {
      await core.oauth.revokeRefresh(token, client);
    }
    // unknown or foreign tokens: 200 all the same (§2.2), nothing to learn from the answer
    return reply.header('cache-control', 'no-store').status(200).send({});
  });

  await fastify.register(authorizeRoutes, { core, tokens, options });
};
