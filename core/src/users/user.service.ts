import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../auth/rbac.ts';
import { diffRecords, writeAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx, isUniqueViolation } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { assertUuid, isUuid } from '../errors/uuid.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { createApiKeyService, insertApiKey } from './api-key.service.ts';
import { createTenantService, systemUserEmail, type CreatedTenant } from './tenant.service.ts';
import { CreateUserInput, Role, SetRoleInput, Via, type Actor, type User } from './user.schema.ts';

interface UserRow {
  id: string;
  tenant_id: string;
  email: string;
  name: string;
  role: User['role'] | 'SYSTEM';
  deactivated_at: Date | string | null;
  created_at: Date | string;
}

const USER_COLUMNS = 'id, tenant_id, email, name, role, deactivated_at, created_at';

function toUser(r: UserRow): User {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    email: r.email,
    name: r.name,
    role: r.role as User['role'],
    status: r.deactivated_at ? 'deactivated' : 'active',
    createdAt: new Date(r.created_at),
  };
}

/** A person of the tenant by id or email (never the system user). */
async function findUser(em: EntityManager, ref: string, path = 'user'): Promise<UserRow> {
  const ref0 = ref.trim();
  const byId = isUuid(ref0);
  if (!byId && !ref0.includes('@')) throw AppError.validation([{ path, reason: 'must be a user id (UUID) or an email address' }]);
  const [row] = await em.execute<UserRow[]>(
    `SELECT ${USER_COLUMNS} FROM users WHERE role <> 'SYSTEM' AND ${byId ? 'id = ?' : 'email = lower(?)'}`,
    [ref0],
  );
  if (!row) throw AppError.notFound('User', ref0);
  return row;
}

/** Refuse the change that would leave a tenant without an active ADMIN (nobody could manage it). */
async function assertOtherActiveAdmin(em: EntityManager, userId: string): Promise<void> {
  const rows = await em.execute<{ id: string }[]>(
    "SELECT id FROM users WHERE role = 'ADMIN' AND deactivated_at IS NULL AND id <> ? FOR UPDATE",
    [userId],
  );
  if (!rows.length) {
    throw new AppError('CONFLICT', 'This is the last active ADMIN of the tenant: make another user ADMIN first', {
      details: [{ path: 'user', reason: 'last active admin' }],
    });
  }
}

export function createUserService(db: Database) {
  const tenants = createTenantService(db);
  const apiKeys = createApiKeyService(db);
  const systemUsers = new Map<string, string>();

  /** The tenant's automation user id, created on first use for tenants that predate it. */
  async function systemUserId(tenantId: string): Promise<string> {
    const cached = systemUsers.get(tenantId);
    if (cached) return cached;
    const id = await inTenantTx(db, { tenantId }, async (em) => {
      const [found] = await em.execute<{ id: string }[]>("SELECT id FROM users WHERE role = 'SYSTEM'");
      if (found) return found.id;
      const [tenant] = await em.execute<{ slug: string }[]>('SELECT slug FROM tenants WHERE id = ?', [tenantId]);
      if (!tenant) throw AppError.notFound('Tenant', tenantId);
      const [row] = await em.execute<{ id: string }[]>(
        `INSERT INTO users (id, tenant_id, email, name, role) VALUES (?, ?, ?, 'Automation', 'SYSTEM')
         ON CONFLICT (tenant_id) WHERE role = 'SYSTEM' DO UPDATE SET name = users.name RETURNING id`,
        [randomUUID(), tenantId, systemUserEmail(tenant.slug)],
      );
      return row.id;
    });
    systemUsers.set(tenantId, id);
    return id;
  }

  return {
    /** Create a tenant with its first ADMIN; returns the admin's API key (shown once). */
    async createTenant(raw: unknown, opts: { id?: string; adminId?: string; apiKey?: string; via?: string } = {}): Promise<CreatedTenant> {
      return tenants.create(raw, opts);
    },

    async createUser(actor: Actor, raw: unknown, opts: { id?: string; apiKey?: string } = {}): Promise<{ user: User; apiKey: string }> {
      authorize(actor, 'users:write');
      const input = parseOrThrow(CreateUserInput, raw);
      try {
        return await inTenantTx(db, actor, async (em) => {
          const id = opts.id ?? randomUUID();
          const [row] = await em.execute<UserRow[]>(
            `INSERT INTO users (id, tenant_id, email, name, role) VALUES (?, ?, ?, ?, ?) RETURNING ${USER_COLUMNS}`,
            [id, actor.tenantId, input.email, input.name, input.role],
          );
          const { apiKey } = await insertApiKey(em, { tenantId: actor.tenantId, userId: id, name: 'default', createdBy: actor.userId, apiKey: opts.apiKey });
          const user = toUser(row);
          await writeAudit(em, actor, 'user.created', 'user', user.id, diffRecords(null, { email: user.email, name: user.name, role: user.role }));
          return { user, apiKey };
        });
      } catch (err) {
        if (isUniqueViolation(err, 'users_tenant_id_email_key')) {
          throw new AppError('CONFLICT', `A user with email ${input.email} exists`, { details: [{ path: 'email', reason: 'already exists' }] });
        }
        throw err;
      }
    },

    /**
     * People by id in one statement (GraphQL batches a page's `assignedTo`); ids that name no
     * user of the tenant are absent from the map. Readable by anyone in the tenant, like `get`.
     */
    async getMany(actor: Actor, ids: readonly string[]): Promise<Map<string, User>> {
      const unique = [...new Set(ids)];
      unique.forEach((id, i) => assertUuid(id, `ids.${i}`));
      if (!unique.length) return new Map();
      const [rows] = await db.readAsTenant(actor.tenantId, [
        { sql: `SELECT ${USER_COLUMNS} FROM users WHERE role <> 'SYSTEM' AND id = ANY($1::uuid[])`, params: [`{${unique.join(',')}}`] },
      ]);
      return new Map(rows.map((r) => toUser(r as unknown as UserRow)).map((u) => [u.id, u]));
    },

    /** A person by id or email. */
    async get(actor: Actor, ref: string): Promise<User> {
      return inTenantTx(db, actor, async (em) => toUser(await findUser(em, ref)));
    },

    /** Deactivate a person: their keys stop working at once; their records and history stay. */
    async deactivate(actor: Actor, ref: string): Promise<User> {
      authorize(actor, 'users:write');
      return inTenantTx(db, actor, async (em) => {
        const before = await findUser(em, ref);
        if (before.deactivated_at) throw new AppError('CONFLICT', `User ${before.email} is already deactivated`, { details: [{ path: 'user', reason: 'already deactivated' }] });
        if (before.role === 'ADMIN') await assertOtherActiveAdmin(em, before.id);
        const [row] = await em.execute<UserRow[]>(`UPDATE users SET deactivated_at = now() WHERE id = ? RETURNING ${USER_COLUMNS}`, [before.id]);
        await writeAudit(em, actor, 'user.deactivated', 'user', before.id, { before: { status: 'active' }, after: { status: 'deactivated' } });
        return toUser(row);
      });
    },

    async setRole(actor: Actor, ref: string, raw: unknown): Promise<User> {
      authorize(actor, 'users:write');
      const { role } = parseOrThrow(SetRoleInput, raw);
      return inTenantTx(db, actor, async (em) => {
        const before = await findUser(em, ref);
        if (before.role === role) throw new AppError('CONFLICT', `${before.email} already has the role ${role}`, { details: [{ path: 'role', reason: 'unchanged' }] });
        if (before.role === 'ADMIN') await assertOtherActiveAdmin(em, before.id);
        const [row] = await em.execute<UserRow[]>(`UPDATE users SET role = ? WHERE id = ? RETURNING ${USER_COLUMNS}`, [role, before.id]);
        await writeAudit(em, actor, 'user.role_changed', 'user', before.id, { before: { role: before.role }, after: { role } });
        return toUser(row);
      });
    },

    /** Issue a fresh key for a user: their live keys are revoked (kept for compatibility; see apiKeys.rotate). */
    async rotateApiKey(actor: Actor, userId: string): Promise<string> {
      assertUuid(userId, 'userId');
      const live = await apiKeys.list(actor, { userId });
      for (const k of live) await apiKeys.revoke(actor, k.id);
      return (await apiKeys.create(actor, { userId })).apiKey;
    },

    /** Any member of the tenant can see the team directory (needed to assign work). */
    async list(actor: Actor, filter: { role?: string; includeDeactivated?: boolean } = {}): Promise<User[]> {
      const role = filter.role ? parseOrThrow(Role, filter.role, 'role') : null;
      return inTenantTx(db, actor, async (em) =>
        (
          await em.execute<UserRow[]>(
            `SELECT ${USER_COLUMNS} FROM users WHERE role <> 'SYSTEM' AND (?::text IS NULL OR role = ?::text)
             AND (?::boolean OR deactivated_at IS NULL) ORDER BY email`,
            [role, role, filter.includeDeactivated === true],
          )
        ).map(toUser),
      );
    },

    /**
     * The tenant's system actor for an automation: role SYSTEM with its own permissions (rbac.ts),
     * recorded in the audit log `via` the automation and `onBehalfOf` the user it serves.
     */
    async systemActor(tenantId: string, opts: { via: string; onBehalfOf?: string }): Promise<Actor> {
      assertUuid(tenantId, 'tenantId');
      const via = parseOrThrow(Via, opts.via, 'via');
      if (opts.onBehalfOf !== undefined) {
        assertUuid(opts.onBehalfOf, 'onBehalfOf');
        const [who] = await db.readAsTenant(tenantId, [
          { sql: "SELECT 1 FROM users WHERE id = $1 AND role <> 'SYSTEM' AND deactivated_at IS NULL", params: [opts.onBehalfOf] },
        ]);
        if (!who.length) throw AppError.validation([{ path: 'onBehalfOf', reason: 'must be an active user of the tenant' }]);
      }
      const userId = await systemUserId(tenantId);
      return { tenantId, userId, role: 'SYSTEM', kind: 'system', via, ...(opts.onBehalfOf ? { onBehalfOf: opts.onBehalfOf } : {}) };
    },

    /** Resolve an API key to its actor, across tenants (runs as crm_worker). */
    authenticate: apiKeys.authenticate,

    /** Resolve a user by email across tenants (CLI `--user EMAIL`); ambiguous emails need a tenant slug. */
    async actorByEmail(email: string, tenantSlug?: string): Promise<Actor & { email: string; name: string }> {
      const rows = await db.asWorker(async (c) =>
        (await c.query<{ id: string; tenant_id: string; role: Actor['role']; email: string; name: string; slug: string; deactivated_at: Date | null }>(
          `SELECT u.id, u.tenant_id, u.role, u.email, u.name, t.slug, u.deactivated_at FROM users u JOIN tenants t ON t.id = u.tenant_id
           WHERE u.email = lower($1) AND u.role <> 'SYSTEM' AND ($2::text IS NULL OR t.slug = $2)`,
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
      if (u.deactivated_at) throw new AppError('UNAUTHENTICATED', `User ${email} is deactivated`);
      return { userId: u.id, tenantId: u.tenant_id, role: u.role, kind: 'user', email: u.email, name: u.name };
    },

    /** The first active ADMIN of each tenant (optionally one tenant): who a CLI command acts as by default. */
    async firstAdmins(tenantSlug?: string): Promise<{ email: string; slug: string }[]> {
      const [rows] = (await db.readAsWorker([
        {
          sql: `SELECT DISTINCT ON (t.id) u.email, t.slug FROM tenants t
                JOIN users u ON u.tenant_id = t.id AND u.role = 'ADMIN' AND u.deactivated_at IS NULL
                WHERE $1::text IS NULL OR t.slug = $1::text ORDER BY t.id, u.created_at`,
          params: [tenantSlug ?? null],
        },
      ])) as { email: string; slug: string }[][];
      return rows;
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
