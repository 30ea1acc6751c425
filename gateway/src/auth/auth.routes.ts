import { AppError, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { ALL_SCOPES } from './auth.config.ts';
import type { TokenService } from './token.service.ts';

const Audience = z.enum(['api', 'mcp']).default('api');
const Scopes = z
  .array(z.enum(ALL_SCOPES as [string, ...string[]]))
  .min(1)
  .optional();

const LoginBody = z
  .object({
    email: z.string().trim().min(3).max(320),
    password: z.string().min(1).max(200),
    tenant: z.string().trim().min(1).max(63).optional(),
    audience: Audience,
    scopes: Scopes,
  })
  .strict();

const RefreshBody = z.object({ refreshToken: z.string().min(1).max(4096) }).strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  throw AppError.validation(r.error.issues.map((i) => ({ path: i.path.join('.') || 'body', reason: i.message })));
}

/**
 * Token endpoints of the local issuer: JWKS, login with email + password, refresh (one use per
 * refresh token), and who-am-I. Tokens never travel in URLs.
 */
export const authRoutes: FastifyPluginAsync<{ core: CrmCore; tokens: TokenService }> = async (fastify, { core, tokens }) => {
  fastify.get('/.well-known/jwks.json', async (_req, reply) => {
    void reply.header('cache-control', 'public, max-age=300');
    return tokens.jwks();
  });

  fastify.post('/auth/login', async (req, reply) => {
    const body = parse(LoginBody, req.body);
    const user = await core.credentials.login(body.email, body.password, body.tenant);
    const issued = await tokens.issue(user, { audience: body.audience, ...(body.scopes ? { scopes: body.scopes } : {}) });
    void reply.header('cache-control', 'no-store');
    return { data: { ...issued, user: { id: user.userId, tenantId: user.tenantId, email: user.email, name: user.name, role: user.role } } };
  });

  fastify.post('/auth/refresh', async (req, reply) => {
    const body = parse(RefreshBody, req.body);
    void reply.header('cache-control', 'no-store');
    return { data: await tokens.refresh(body.refreshToken) };
  });

  fastify.get('/auth/me', async (req) => {
    if (!req.actor) throw new AppError('UNAUTHENTICATED', 'Send "Authorization: Bearer <token or API key>"');
    const user = await core.credentials.activeUser(req.actor.tenantId, req.actor.userId);
    return { data: { id: user.userId, tenantId: user.tenantId, email: user.email, name: user.name, role: user.role, via: req.authMethod, scopes: req.authScopes ?? [] } };
  });
};
