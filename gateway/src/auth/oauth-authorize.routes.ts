import { randomBytes } from 'node:crypto';
import { isAppError, sha256, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthOptions } from './auth.config.ts';
import { sendConsentPage, sendErrorPage } from './oauth-page.ts';
import { PageError, paramsDigest, pickParams, redirectWith, RedirectError, validateAuthorization, type AuthorizationParams, type ValidRequest } from './oauth-request.ts';
import type { TokenService } from './token.service.ts';

const COOKIE = 'crm_oauth_csrf';
const FORM_TTL_SECONDS = 600;

function cookieOf(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/**
 * GET and POST /oauth/authorize: the sign-in + consent page of the authorization code flow.
 * CSRF: the form carries a token signed by the issuer that binds a random value held in a
 * SameSite=Strict, HttpOnly cookie (this browser) to a digest of the request's parameters
 * (this request). Credentials are checked by the same core login as POST /auth/login, under the
 * same per-address rate limit of every unauthenticated request.
 */
export const authorizeRoutes: FastifyPluginAsync<{ core: CrmCore; tokens: TokenService; options: AuthOptions }> = async (fastify, { core, tokens, options }) => {
  const secure = options.publicUrl.startsWith('https:');

  async function formToken(req: FastifyRequest, reply: FastifyReply, params: AuthorizationParams): Promise<string> {
    let nonce = cookieOf(req, COOKIE);
    if (!nonce || !/^[A-Za-z0-9_-]{43}$/.test(nonce)) {
      nonce = randomBytes(32).toString('base64url');
      void reply.header('set-cookie', `${COOKIE}=${nonce}; Path=/oauth/authorize; Max-Age=${FORM_TTL_SECONDS}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
    }
    return tokens.signForm({ n: sha256(nonce), p: paramsDigest(params) }, FORM_TTL_SECONDS);
  }

  const redirectBack = (reply: FastifyReply, status: 302 | 303, to: { redirectUri: string; state?: string }, params: Record<string, string>) =>
    reply.header('cache-control', 'no-store').redirect(redirectWith(to.redirectUri, { ...params, state: to.state, iss: options.publicUrl }), status);

  /** Validate, answering a page (untrusted redirect_uri) or an error redirect; undefined when answered. */
  async function validate(req: FastifyRequest, reply: FastifyReply, source: unknown, status: 302 | 303): Promise<{ params: AuthorizationParams; request: ValidRequest } | undefined> {
    try {
      const params = pickParams(source);
      return { params, request: await validateAuthorization(core, params, req, options) };
    } catch (err) {
      if (err instanceof PageError) {
        sendErrorPage(reply, 400, err.message);
        return undefined;
      }
      if (err instanceof RedirectError) {
        redirectBack(reply, status, err.to, { error: err.error, error_description: err.description });
        return undefined;
      }
      throw err;
    }
  }

  fastify.get('/oauth/authorize', async (req, reply) => {
    const valid = await validate(req, reply, req.query, 302);
    if (!valid) return reply;
    return sendConsentPage(reply, { ...valid, csrf: await formToken(req, reply, valid.params) });
  });

  fastify.post('/oauth/authorize', async (req, reply) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    // the CSRF check comes first: nothing of a forged form is acted on, not even a redirect
    const nonce = cookieOf(req, COOKIE);
    const claims = text('csrf') ? await tokens.verifyForm(text('csrf')!) : undefined;
    let params: AuthorizationParams | undefined;
    try {
      params = pickParams(form);
    } catch (err) {
      if (err instanceof PageError) return sendErrorPage(reply, 400, err.message);
      throw err;
    }
    if (!claims || !nonce || claims.n !== sha256(nonce) || claims.p !== paramsDigest(params)) {
      return sendErrorPage(reply, 403, 'This form expired or was not sent from the sign-in page (CSRF check failed). Start the connection again.');
    }
    const valid = await validate(req, reply, form, 303);
    if (!valid) return reply;
    const { request } = valid;
    if (text('decision') === 'deny') return redirectBack(reply, 303, request, { error: 'access_denied', error_description: 'The user denied the request' });

    const email = text('email') ?? '';
    const tenant = text('tenant')?.trim() || undefined;
    let user;
    try {
      user = await core.credentials.login(email, text('password') ?? '', tenant);
    } catch (err) {
      if (!isAppError(err) || (err.code !== 'UNAUTHENTICATED' && err.code !== 'VALIDATION_FAILED' && err.code !== 'RATE_LIMIT_EXCEEDED')) throw err;
      req.log.info({ clientId: request.client.id }, 'oauth sign-in refused');
      // a locked account (too many wrong passwords) gets the page again with the message, 429 and Retry-After
      if (err.retryAfter) void reply.header('retry-after', String(err.retryAfter));
      const status = err.code === 'UNAUTHENTICATED' ? 401 : err.code === 'RATE_LIMIT_EXCEEDED' ? 429 : 400;
      return sendConsentPage(reply, { ...valid, csrf: await formToken(req, reply, valid.params), error: err.message, email, ...(tenant ? { tenant } : {}), status });
    }
    const code = await core.oauth.createCode({
      client: request.client,
      user,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      resource: request.resource,
      scope: request.scopes.join(' '),
      ttlSeconds: options.oauth.codeTtlSeconds,
    });
    req.log.info({ clientId: request.client.id, userId: user.userId, tenantId: user.tenantId, resource: request.resource }, 'oauth authorization granted');
    return redirectBack(reply, 303, request, { code });
  });
};
