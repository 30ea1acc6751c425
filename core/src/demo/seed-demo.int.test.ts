import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { openTestDatabase, testDbKinds, type TestDatabase } from '../testing/index.ts';
import { seedDemoTenant } from './seed-demo.ts';

describe.each(testDbKinds())('demo seeding on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
  });
  afterAll(() => t.drop());

  it('loads users of every role, contacts, interactions and follow-ups, and is idempotent', async () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const first = await seedDemoTenant(core, { contacts: 150, now });
    expect(first.created).toBe(true);
    expect(new Set(first.users.map((u) => u.role))).toEqual(new Set(['ADMIN', 'SALES_MANAGER', 'SALES_REP', 'MARKETING_MANAGER']));
    const admin = await core.users.authenticate('crm_demo_admin');
    expect(admin.tenantId).toBe(first.tenantId);
    const page = await core.contacts.list(admin, { limit: 5, sort: 'lastContactDate' });
    expect(page.totalCount).toBe(150);
    expect(page.data[0].lastContactDate).not.toBeNull();
    const tl = await core.interactions.timeline(admin, page.data[0].id);
    expect(tl.interactions.length).toBeGreaterThan(0);
    expect(tl.interactions[0].createdAt.getTime()).toBe(page.data[0].lastContactDate!.getTime());
    const statuses = new Set((await core.contacts.list(admin, { limit: 100 })).data.map((c) => c.status));
    expect(statuses.size).toBeGreaterThanOrEqual(3);
    const rep = await core.users.authenticate('crm_demo_rep_1');
    expect(rep.role).toBe('SALES_REP');
    expect((await core.followUps.list(admin, { scope: 'all' })).length).toBeGreaterThan(0);
    const again = await seedDemoTenant(core, { contacts: 150, now });
    expect(again).toMatchObject({ created: false, tenantId: first.tenantId });
    expect((await core.contacts.list(admin, { limit: 1 })).totalCount).toBe(150);
  });
});
