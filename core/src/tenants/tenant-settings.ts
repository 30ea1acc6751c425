import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import type { Actor } from '../users/user.schema.ts';

/** A tenant's locale and time zone (migration 0110); the demo's defaults are en-GB and Europe/London. */
export const TenantLocaleSettings = z.object({
  locale: z.string().describe('BCP 47 tag deciding day-first or month-first dates; example en-GB'),
  timeZone: z.string().describe('IANA zone for "today" and reports; example Europe/London'),
});
export type TenantLocaleSettings = z.infer<typeof TenantLocaleSettings>;

export const DEFAULT_TENANT_LOCALE: TenantLocaleSettings = { locale: 'en-GB', timeZone: 'Europe/London' };

/** The actor's tenant's locale settings (RLS lets a tenant read only its own row). */
export async function readTenantLocale(db: Database, actor: Actor): Promise<TenantLocaleSettings> {
  const rows = await inTenantTx(db, actor, (em) =>
    em.execute<{ locale: string; time_zone: string }[]>('SELECT locale, time_zone FROM tenants WHERE id = crm_current_tenant()'),
  );
  const row = rows[0];
  return row ? { locale: row.locale, timeZone: row.time_zone } : DEFAULT_TENANT_LOCALE;
}
