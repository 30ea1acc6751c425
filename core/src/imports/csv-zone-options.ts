import type { CsvReadOptions } from '../csv/csv-reader.ts';
import type { DatabaseHandle } from '../db/database-handle.ts';
import { readTenantLocale } from '../tenants/tenant-settings.ts';
import type { Actor } from '../users/user.schema.ts';
import type { ImportOptions } from './import.types.ts';

/**
 * How an import reads its dates: day/month order from the options or the tenant's locale, and dates
 * without an offset in the tenant's time zone (before, UTC: a Los Angeles team's "2026-12-03 09:00"
 * landed at 01:00 their time). One read of the tenant row.
 */
export async function csvZoneOptions(db: DatabaseHandle, actor: Actor, opts: ImportOptions): Promise<CsvReadOptions> {
  const tenant = await readTenantLocale(db, actor);
  return { dateFormat: opts.dateFormat, locale: opts.locale ?? tenant.locale, timeZone: tenant.timeZone };
}
