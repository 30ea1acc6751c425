import { readTenantLocale, type Actor, type CrmCore } from '@crm/core';

/** The acting user's tenant's time zone (tenants.time_zone), for the assistant's relative dates and periods. */
export const tenantZoneOf =
  (core: Pick<CrmCore, 'db'>) =>
  async (actor: Actor): Promise<string> =>
    (await readTenantLocale(core.db, actor)).timeZone;
