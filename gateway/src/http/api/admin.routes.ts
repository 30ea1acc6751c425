import { ApiKeyInfo, AuditPageQuery, CreateApiKeyInput, CreateUserInput, ROLE_PERMISSIONS, ROLES, Role, SetRoleInput, TenantSettings, UpdateTenantSettingsInput, User, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, AnyObject, IdParams, PageQuery, pageOf, paginate, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

const UserOut = User;
const KeyOut = ApiKeyInfo;
const bool = z.enum(['true', 'false']).optional();

/** Users, roles, permissions, API keys and the audit log of the caller's tenant (ADMIN writes; core decides). */
export const adminRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();

  f.get('/users', {
    schema: { tags: ['users'], summary: 'People of the tenant', querystring: z.object({ role: Role.optional(), includeDeactivated: bool, ...PageQuery }).strict(), response: withErrors({ 200: pageOf(UserOut) }) },
    handler: async (req) => {
      const { page, limit, role, includeDeactivated } = req.query;
      return paginate(await core.users.list(actorOf(req), { role, includeDeactivated: includeDeactivated === 'true' }), page, limit);
    },
  });

  f.post('/users', {
    schema: { tags: ['users'], summary: 'Add a person; their first API key is in the response, once', body: CreateUserInput, response: withErrors({ 201: z.object({ user: UserOut, apiKey: z.string() }) }) },
    handler: async (req, reply) => {
      const created = await core.users.createUser(actorOf(req), req.body);
      return reply.status(201).header('location', `/api/v1/users/${created.user.id}`).header('cache-control', 'no-store').send(created);
    },
  });

  f.get('/users/:id', {
    schema: { tags: ['users'], summary: 'A person', params: IdParams, response: withErrors({ 200: UserOut }) },
    handler: (req) => core.users.get(actorOf(req), req.params.id),
  });

  f.put('/users/:id/role', {
    schema: { tags: ['users'], summary: "Change a person's role", params: IdParams, body: SetRoleInput, response: withErrors({ 200: UserOut }) },
    handler: (req) => core.users.setRole(actorOf(req), req.params.id, req.body),
  });

  f.post('/users/:id/deactivate', {
    schema: { tags: ['users'], summary: 'Deactivate a person (their keys stop working at once)', params: IdParams, response: withErrors({ 200: UserOut }) },
    handler: (req) => core.users.deactivate(actorOf(req), req.params.id),
  });

  f.get('/settings', {
    schema: { tags: ['settings'], summary: "The tenant's policies (every member reads them)", response: withErrors({ 200: TenantSettings }) },
    handler: (req) => core.tenantSettings.get(actorOf(req)),
  });

  f.patch('/settings', {
    schema: { tags: ['settings'], summary: "Change the tenant's policies (ADMIN; audited)", body: UpdateTenantSettingsInput, response: withErrors({ 200: TenantSettings }) },
    handler: (req) => core.tenantSettings.update(actorOf(req), req.body),
  });

  f.get('/roles', {
    schema: { tags: ['users'], summary: 'Roles and their permissions', response: withErrors({ 200: z.object({ data: z.array(z.object({ role: z.string(), permissions: z.array(z.string()) })) }) }) },
    handler: (req) => {
      actorOf(req);
      return { data: ROLES.map((role) => ({ role, permissions: [...ROLE_PERMISSIONS[role]] })) };
    },
  });

  f.get('/permissions', {
    schema: { tags: ['users'], summary: "The caller's role and permissions", response: withErrors({ 200: z.object({ role: z.string(), permissions: z.array(z.string()) }) }) },
    handler: (req) => {
      const actor = actorOf(req);
      return { role: actor.role, permissions: [...ROLE_PERMISSIONS[actor.role]] };
    },
  });

  f.get('/api-keys', {
    schema: { tags: ['api-keys'], summary: 'API keys (never the keys themselves)', querystring: z.object({ userId: z.uuid().optional(), includeInactive: bool, ...PageQuery }).strict(), response: withErrors({ 200: pageOf(KeyOut) }) },
    handler: async (req) => {
      const { page, limit, userId, includeInactive } = req.query;
      return paginate(await core.apiKeys.list(actorOf(req), { ...(userId ? { userId } : {}), includeInactive: includeInactive === 'true' }), page, limit);
    },
  });

  f.post('/api-keys', {
    schema: { tags: ['api-keys'], summary: 'Create a key; shown once in the response', body: CreateApiKeyInput, response: withErrors({ 201: z.object({ key: KeyOut, apiKey: z.string() }) }) },
    handler: async (req, reply) => reply.status(201).header('cache-control', 'no-store').send(await core.apiKeys.create(actorOf(req), req.body)),
  });

  f.delete('/api-keys/:id', {
    schema: { tags: ['api-keys'], summary: 'Revoke a key', params: IdParams, response: withErrors({ 200: KeyOut }) },
    handler: (req) => core.apiKeys.revoke(actorOf(req), req.params.id),
  });

  f.post('/api-keys/:id/rotate', {
    schema: {
      tags: ['api-keys'],
      summary: 'Replace a key with a new one (the old one is revoked)',
      params: IdParams,
      body: z.object({ expiresAt: z.coerce.date().optional() }).strict().optional(),
      response: withErrors({ 201: z.object({ key: KeyOut, apiKey: z.string(), revokedKeyId: z.uuid() }) }),
    },
    handler: async (req, reply) => reply.status(201).header('cache-control', 'no-store').send(await core.apiKeys.rotate(actorOf(req), req.params.id, req.body ?? {})),
  });

  f.get('/audit-log', {
    schema: {
      tags: ['audit'],
      summary: 'Audit log, newest first',
      description: 'totalCount is exact up to 10,000 entries (then totalCountExact is false); page ≤ 500 — read further back with `before`.',
      querystring: AuditPageQuery,
      response: withErrors({ 200: pageOf(AnyObject) }),
    },
    handler: (req) => core.audit.page(actorOf(req), req.query),
  });
};
