import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { authorize } from '../auth/rbac.ts';
import { diffRecords, writeAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx, isUniqueViolation } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { TenantEntity } from '../tenants/tenant.entity.ts';
import { UserEntity } from './user.entity.ts';
import { CreateUserInput, Role, type Actor, type User } from './user.schema.ts';
import { z } from 'zod';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function newApiKey(): string {
  return `crm_${randomBytes(24).toString('base64url')}`;
}

function toUser(e: Record<string, unknown>): User {
  return {
    id: e.id as string,
    tenantId: e.tenantId as string,
    email: e.email as string,
    name: e.name as string,
    role: e.role as User['role'],
    createdAt: e.createdAt as Date,
  };
}

export const CreateTenantInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter or digit'),
    admin: z.object({ email: z.string().trim().toLowerCase().pipe(z.email()), name: z.string().trim().min(1).max(200) }),
  })
  .strict();

export function createUserService(db: Database) {
  return {
    /** Create a tenant with its first ADMIN; returns the admin's API key (shown once). */
    async createTenant(raw: unknown, opts: { id?: string; adminId?: string; apiKey?: string } = {}) {
      const input = parseOrThrow(CreateTenantInput, raw);
      const tenantId = opts.id ?? randomUUID();
      const adminId = opts.adminId ?? randomUUID();
      const apiKey = opts.apiKey ?? newApiKey();
      const system: Actor = { tenantId, userId: adminId, role: 'ADMIN' };
      try {
        await inTenantTx(db, system, async (em) => {
          em.create(TenantEntity, { id: tenantId, name: input.name, slug: input.slug, settings: {}, createdAt: new Date() });
          await em.flush();
          em.create(UserEntity, {
            id: adminId,
            tenantId,
            email: input.admin.email,
            name: input.admin.name,
            role: 'ADMIN',
            apiKeyHash: hashApiKey(apiKey),
            createdAt: new Date(),
          });
          await em.flush();
          await writeAudit(em, system, 'tenant.created', 'tenant', tenantId, diffRecords(null, { name: input.name, slug: input.slug }));
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new AppError('CONFLICT', `Tenant slug ${input.slug} is taken`, { details: [{ path: 'slug', reason: 'already exists' }] });
        }
        throw err;
      }
      return { tenant: { id: tenantId, name: input.name, slug: input.slug }, admin: { id: adminId, email: input.admin.email }, apiKey };
    },

    async createUser(actor: Actor, raw: unknown, opts: { id?: string; apiKey?: string } = {}): Promise<{ user: User; apiKey: string }> {
      authorize(actor, 'users:write');
      const input = parseOrThrow(CreateUserInput, raw);
      const apiKey = opts.apiKey ?? newApiKey();
      try {
        return await inTenantTx(db, actor, async (em) => {
          const row = { id: opts.id ?? randomUUID(), tenantId: actor.tenantId, ...input, apiKeyHash: hashApiKey(apiKey), createdAt: new Date() };
          em.create(UserEntity, row);
          await em.flush();
          const user = toUser(row);
          await writeAudit(em, actor, 'user.created', 'user', user.id, diffRecords(null, user));
          return { user, apiKey };
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new AppError('CONFLICT', `A user with email ${input.email} exists`, { details: [{ path: 'email', reason: 'already exists' }] });
        }
        throw err;
      }
    },

    /** Issue a fresh key for a user (the old one stops working). */
    async rotateApiKey(actor: Actor, userId: string): Promise<string> {
      if (userId !== actor.userId) authorize(actor, 'users:write');
      const apiKey = newApiKey();
      await inTenantTx(db, actor, async (em) => {
        const u = await em.findOne(UserEntity, { id: userId });
        if (!u) throw AppError.notFound('User', userId);
        u.apiKeyHash = hashApiKey(apiKey);
        await em.flush();
        await writeAudit(em, actor, 'user.api_key_rotated', 'user', userId, {});
      });
      return apiKey;
    },

    /** Any member of the tenant can see the team directory (needed to assign work). */
    async list(actor: Actor, filter: { role?: string } = {}): Promise<User[]> {
      const role = filter.role ? parseOrThrow(Role, filter.role, 'role') : undefined;
      return inTenantTx(db, actor, async (em) =>
        (await em.find(UserEntity, role ? { role } : {}, { orderBy: { email: 'asc' } })).map((u) =>
          toUser(u as unknown as Record<string, unknown>),
        ),
      );
    },

    /** Resolve an API key to its actor, across tenants (runs as crm_worker). */
    async authenticate(apiKey: string): Promise<Actor & { email: string; name: string }> {
      if (!apiKey || apiKey.length > 200) throw new AppError('UNAUTHENTICATED', 'Missing or malformed API key');
      // on every API request: one round trip
      const [[u]] = (await db.readAsWorker([
        { sql: 'SELECT id, tenant_id, role, email, name FROM users WHERE api_key_hash = $1', params: [hashApiKey(apiKey)] },
      ])) as { id: string; tenant_id: string; role: Actor['role']; email: string; name: string }[][];
      if (!u) throw new AppError('UNAUTHENTICATED', 'Unknown API key');
      return { userId: u.id, tenantId: u.tenant_id, role: u.role, email: u.email, name: u.name };
    },

    /** Resolve a user by email across tenants (CLI `--user EMAIL`); ambiguous emails need a tenant slug. */
    async actorByEmail(email: string, tenantSlug?: string): Promise<Actor & { email: string; name: string }> {
      const rows = await db.asWorker(async (c) =>
        (await c.query<{ id: string; tenant_id: string; role: Actor['role']; email: string; name: string; slug: string }>(
          `SELECT u.id, u.tenant_id, u.role, u.email, u.name, t.slug FROM users u JOIN tenants t ON t.id = u.tenant_id
           WHERE u.email = lower($1) AND ($2::text IS NULL OR t.slug = $2)`,
          [email.trim(), tenantSlug ?? null],
        )).rows,
      );
      if (!rows.length) throw new AppError('UNAUTHENTICATED', `No user ${email}${tenantSlug ? ` in tenant ${tenantSlug}` : ''}`);
      if (rows.length > 1) {
        throw new AppError('VALIDATION_FAILED', `${email} exists in several tenants; name one with --tenant`, {
          details: [{ path: 'tenant', reason: `one of ${rows.map((r) => r.slug).join(', ')}` }],
        });
      }
      const u = rows[0];
      return { userId: u.id, tenantId: u.tenant_id, role: u.role, email: u.email, name: u.name };
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
