import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { writeAuditRows } from '../audit/audit.service.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx, isUniqueViolation } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { insertApiKey } from './api-key.service.ts';
import { Via, type Actor } from './user.schema.ts';

export const CreateTenantInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter or digit'),
    admin: z.object({
      email: z.string().trim().toLowerCase().pipe(z.email('must be a valid email address')),
      name: z.string().trim().min(1).max(200).optional(),
    }),
  })
  .strict();
export type CreateTenantInput = z.input<typeof CreateTenantInput>;

/** The automation user of a tenant: a real row so automations' writes satisfy user foreign keys. */
export function systemUserEmail(slug: string): string {
  return `system@${slug}.automation.invalid`;
}

/** "ada.lovelace@x.io" → "Ada Lovelace": a name for an admin created by email only. */
function nameFromEmail(email: string): string {
  const local = email.split('@')[0].replace(/[._+-]+/g, ' ').trim();
  return local.replace(/\b\w/g, (c) => c.toUpperCase()) || email;
}

export interface CreatedTenant {
  tenant: { id: string; name: string; slug: string };
  admin: { id: string; email: string; name: string };
  /** The first admin's API key, shown once; only its hash is stored. */
  apiKey: string;
}

export function createTenantService(db: Database) {
  return {
    /**
     * A tenant with its first ADMIN (and that admin's first API key) and its system user, in one
     * transaction. Run by an operator, not by a tenant member: the audit row names the tenant's
     * system actor `via` the operator channel (`operator:cli` by default).
     */
    async create(raw: unknown, opts: { id?: string; adminId?: string; apiKey?: string; via?: string } = {}): Promise<CreatedTenant> {
      const input = parseOrThrow(CreateTenantInput, raw);
      const via = parseOrThrow(Via, opts.via ?? 'operator:cli', 'via');
      const tenantId = opts.id ?? randomUUID();
      const admin = { id: opts.adminId ?? randomUUID(), email: input.admin.email, name: input.admin.name ?? nameFromEmail(input.admin.email) };
      const systemId = randomUUID();
      let apiKey = '';
      try {
        await inTenantTx(db, { tenantId }, async (em) => {
          await em.execute('INSERT INTO tenants (id, name, slug) VALUES (?, ?, ?)', [tenantId, input.name, input.slug]);
          await em.execute('INSERT INTO users (id, tenant_id, email, name, role) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)', [
            admin.id, tenantId, admin.email, admin.name, 'ADMIN',
            systemId, tenantId, systemUserEmail(input.slug), 'Automation', 'SYSTEM',
          ]);
          ({ apiKey } = await insertApiKey(em, { tenantId, userId: admin.id, name: 'default', createdBy: null, apiKey: opts.apiKey }));
          const system: Actor = { tenantId, userId: systemId, role: 'SYSTEM', kind: 'system', via };
          await writeAuditRows(em, system, [
            { action: 'tenant.created', entityType: 'tenant', entityId: tenantId, diff: { after: { name: input.name, slug: input.slug } } },
            { action: 'user.created', entityType: 'user', entityId: admin.id, diff: { after: { email: admin.email, name: admin.name, role: 'ADMIN' } } },
          ]);
        });
      } catch (err) {
        if (isUniqueViolation(err, 'tenants_slug_key')) {
          throw new AppError('CONFLICT', `Tenant slug ${input.slug} is taken`, { details: [{ path: 'slug', reason: 'already exists' }] });
        }
        throw err;
      }
      return { tenant: { id: tenantId, name: input.name, slug: input.slug }, admin, apiKey };
    },

    /** Every tenant with its member count, for operators (runs as crm_worker, across tenants). */
    async list(): Promise<{ id: string; name: string; slug: string; users: number; createdAt: Date }[]> {
      const [rows] = (await db.readAsWorker([
        {
          sql: `SELECT t.id, t.name, t.slug, t.created_at, count(u.id) FILTER (WHERE u.role <> 'SYSTEM' AND u.deactivated_at IS NULL) AS users
                FROM tenants t LEFT JOIN users u ON u.tenant_id = t.id GROUP BY t.id ORDER BY t.slug`,
          params: [],
        },
      ])) as { id: string; name: string; slug: string; created_at: string | Date; users: string | number }[][];
      return rows.map((r) => ({ id: r.id, name: r.name, slug: r.slug, users: Number(r.users), createdAt: new Date(r.created_at) }));
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;
