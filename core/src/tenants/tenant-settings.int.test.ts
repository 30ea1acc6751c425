import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { readTenantLocale } from './tenant-settings.ts';

const csv = (s: string) => Readable.from([Buffer.from(s, 'utf8')]);
const AMBIGUOUS = 'First Name,Last Name,Email,Create Date\nAnn,Lee,ann@lee.io,03/04/2024\nBo,Chan,bo@chan.io,01/02/2024\n';

describe.each(testDbKinds())('tenant locale and CSV dates on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
  });
  afterAll(() => t.drop());

  it('a new tenant is British by default (migration 0110)', async () => {
    expect(await readTenantLocale(t.db, f.admin)).toEqual({ locale: 'en-GB', timeZone: 'Europe/London' });
  });

  it('imports ambiguous dates day-first under the tenant locale, month-first under en-US or --date-format mdy', async () => {
    const report = await core.imports.importContacts(f.admin, csv(AMBIGUOUS));
    expect(report).toMatchObject({ created: 2, failed: 0 });
    const ann = await core.contacts.findByEmail(f.admin, 'ann@lee.io');
    // 3 April, from the start of that day in the tenant's Europe/London (BST: 23:00Z on the 2nd)
    expect(ann!.createdAt.toISOString()).toBe('2024-04-02T23:00:00.000Z');

    await core.imports.importContacts(f.admin, csv(AMBIGUOUS.replace('ann@lee.io', 'ann@us.io')), { dateFormat: 'mdy' });
    expect((await core.contacts.findByEmail(f.admin, 'ann@us.io'))!.createdAt.toISOString().slice(0, 10)).toBe('2024-03-04');

    await t.db.withTenant(f.tenantId, (em) => em.execute(`UPDATE tenants SET locale = 'en-US' WHERE id = crm_current_tenant()`));
    expect((await readTenantLocale(t.db, f.admin)).locale).toBe('en-US');
    await core.imports.importContacts(f.admin, csv(AMBIGUOUS.replace('ann@lee.io', 'ann@us2.io')));
    expect((await core.contacts.findByEmail(f.admin, 'ann@us2.io'))!.createdAt.toISOString().slice(0, 10)).toBe('2024-03-04');
  });

  it('refuses a locale that is not a language tag', async () => {
    await expect(t.db.withTenant(f.tenantId, (em) => em.execute(`UPDATE tenants SET locale = 'en GB; drop' WHERE id = crm_current_tenant()`))).rejects.toThrow(/check constraint/);
  });
});
