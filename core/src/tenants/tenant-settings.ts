import { z } from 'zod';
import { diffRecords, writeAudit } from '../audit/audit.service.ts';
import type { Database, EntityManager } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { mayChangeTenantSettings } from '../auth/rbac.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Actor } from '../users/user.schema.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';
import { WallClockDate } from '../errors/safe-input.schema.ts';
import { placeInZone } from './local-day.ts';

/** A tenant's locale and time zone (migration 0110); the demo's defaults are en-GB and Europe/London. */
export const TenantLocaleSettings = z.object({
  locale: z.string().describe('BCP 47 tag deciding day-first or month-first dates; example en-GB'),
  timeZone: z.string().describe('IANA zone for "today" and reports; example Europe/London'),
});
export type TenantLocaleSettings = z.infer<typeof TenantLocaleSettings>;

export const DEFAULT_TENANT_LOCALE: TenantLocaleSettings = { locale: 'en-GB', timeZone: 'Europe/London' };

/** The tenant's IANA time zone, read inside its transaction (RLS: only its own row). */
export async function tenantTimeZone(em: EntityManager): Promise<string> {
  const [row] = await em.execute<{ time_zone: string }[]>('SELECT time_zone FROM tenants WHERE id = crm_current_tenant()');
  return row?.time_zone ?? DEFAULT_TENANT_LOCALE.timeZone;
}

/**
 * Dates a caller wrote without an offset (a WallClockDate, or a LocalDay for a date alone), placed in
 * the tenant's time zone inside its transaction; every other date, and a missing one, as it is. A
 * date alone is the start of that local day, except for the keys named in `wholeDay` (inclusive upper
 * bounds: `to=2026-12-03` means up to the end of the 3rd), which get the start of the next local day.
 * One read of the zone, only when needed.
 */
export async function placeInTenantZone<T extends Record<string, Date | null | undefined>>(
  em: EntityManager,
  dates: T,
  wholeDay: readonly (keyof T)[] = [],
): Promise<T> {
  if (!Object.values(dates).some((d) => d instanceof WallClockDate)) return dates;
  return placeAll(dates, await tenantTimeZone(em), wholeDay);
}

/** `placeInTenantZone` for a read outside a transaction: the zone is read (one round trip) only when a date needs it. */
export async function placeForTenant<T extends Record<string, Date | null | undefined>>(
  db: Database,
  tenantId: string,
  dates: T,
  wholeDay: readonly (keyof T)[] = [],
): Promise<T> {
  if (!Object.values(dates).some((d) => d instanceof WallClockDate)) return dates;
  const [[row]] = await db.readAsTenant(tenantId, [{ sql: 'SELECT time_zone FROM tenants WHERE id = crm_current_tenant()' }]);
  return placeAll(dates, (row?.time_zone as string | undefined) ?? DEFAULT_TENANT_LOCALE.timeZone, wholeDay);
}

function placeAll<T extends Record<string, Date | null | undefined>>(dates: T, zone: string, wholeDay: readonly (keyof T)[]): T {
  return Object.fromEntries(Object.entries(dates).map(([k, d]) => [k, d ? placeInZone(d, zone, wholeDay.includes(k) ? 'dayEnd' : 'start') : d])) as T;
}

/** The actor's tenant's locale settings (RLS lets a tenant read only its own row). */
export async function readTenantLocale(handle: DatabaseHandle, actor: Actor): Promise<TenantLocaleSettings> {
  const db = databaseOf(handle);
  const rows = await inTenantTx(db, actor, (em) =>
    em.execute<{ locale: string; time_zone: string }[]>('SELECT locale, time_zone FROM tenants WHERE id = crm_current_tenant()'),
  );
  const row = rows[0];
  return row ? { locale: row.locale, timeZone: row.time_zone } : DEFAULT_TENANT_LOCALE;
}

/**
 * Tenant policies an ADMIN switches (stored in `tenants.settings`, jsonb). Only the keys below are
 * accepted; each has a documented default.
 */
export const TenantSettings = z.object({
  workflowActivationRequiresApproval: z
    .boolean()
    .describe('When true, activating a workflow by anyone but an ADMIN files a workflow_activation approval instead of activating it (default false)'),
  approvalRequestEmails: z
    .boolean()
    .describe('When true, each new approval request is emailed to the people who may decide it (default true)'),
});
export type TenantSettings = z.infer<typeof TenantSettings>;
export const UpdateTenantSettingsInput = TenantSettings.partial().strict();
export type UpdateTenantSettingsInput = z.input<typeof UpdateTenantSettingsInput>;

export const DEFAULT_TENANT_SETTINGS: TenantSettings = { workflowActivationRequiresApproval: false, approvalRequestEmails: true };

/** Read the policies inside a caller's tenant transaction (the workflow service checks them there). */
export async function readTenantSettings(em: EntityManager): Promise<TenantSettings> {
  const [row] = await em.execute<{ settings: Record<string, unknown> | string | null }[]>('SELECT settings FROM tenants WHERE id = crm_current_tenant()');
  const s = (typeof row?.settings === 'string' ? JSON.parse(row.settings) : (row?.settings ?? {})) as {
    workflows?: { activationRequiresApproval?: unknown };
    approvals?: { requestEmails?: unknown };
  };
  return { workflowActivationRequiresApproval: s.workflows?.activationRequiresApproval === true, approvalRequestEmails: s.approvals?.requestEmails !== false };
}

/** The tenant's policies: every member reads them, only an ADMIN changes them (audited). */
export function createTenantSettingsService(db: Database) {
  return {
    get(actor: Actor): Promise<TenantSettings> {
      return db.withTenant(actor.tenantId, readTenantSettings);
    },
    async update(actor: Actor, raw: unknown): Promise<TenantSettings> {
      if (!mayChangeTenantSettings(actor)) throw AppError.denied('settings:write', `Only an ADMIN changes tenant settings; ${actor.role} may read them`);
      const patch = parseOrThrow(UpdateTenantSettingsInput, raw);
      return inTenantTx(db, actor, async (em) => {
        const before = await readTenantSettings(em);
        if (patch.workflowActivationRequiresApproval !== undefined) {
          await em.execute(
            `UPDATE tenants SET settings = jsonb_set(settings, '{workflows}', coalesce(settings->'workflows', '{}'::jsonb) || jsonb_build_object('activationRequiresApproval', ?::boolean)) WHERE id = crm_current_tenant()`,
            [patch.workflowActivationRequiresApproval],
          );
        }
        if (patch.approvalRequestEmails !== undefined) {
          await em.execute(
            `UPDATE tenants SET settings = jsonb_set(settings, '{approvals}', coalesce(settings->'approvals', '{}'::jsonb) || jsonb_build_object('requestEmails', ?::boolean)) WHERE id = crm_current_tenant()`,
            [patch.approvalRequestEmails],
          );
        }
        const after = await readTenantSettings(em);
        await writeAudit(em, actor, 'tenant.settings_updated', 'tenant', actor.tenantId, diffRecords(before, after));
        return after;
      });
    },
  };
}

export type TenantSettingsService = ReturnType<typeof createTenantSettingsService>;
