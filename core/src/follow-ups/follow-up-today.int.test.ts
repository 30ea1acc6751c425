import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createFollowUpService } from './follow-up.service.ts';

// The clock is pinned: 22:30 UTC on 1 July 2026 is 23:30 in London (BST) and 07:30 on 2 July in Tokyo.
const NOW = new Date('2026-07-01T22:30:00Z');

describe.each(testDbKinds())('"due today" in the tenant time zone on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('ends today at the tenant\'s midnight (Europe/London by default, then the zone it is set to)', async () => {
    const followUps = createFollowUpService(t.db, { now: () => NOW });
    const c = await core.contacts.create(f.rep, { firstName: 'Zoe', lastName: 'Zone', email: 'zoe@zone.example' });
    // 23:45 London time on 1 July: today. 00:30 London time on 2 July: tomorrow there, though still 1 July in UTC.
    const tonight = await followUps.create(f.rep, { contactId: c.id, title: 'tonight', dueAt: '2026-07-01T22:45:00Z' });
    const afterMidnight = await followUps.create(f.rep, { contactId: c.id, title: 'after midnight', dueAt: '2026-07-01T23:30:00Z' });
    const due = async () => (await followUps.list(f.rep, { scope: 'due', contactId: c.id })).map((x) => x.title);
    expect(await due()).toEqual(['tonight']);
    // In Tokyo it is already 2 July, which ends at 14:59:59.999 UTC: both are due.
    await t.db.withTenant(f.tenantId, (em) => em.execute(`UPDATE tenants SET time_zone = 'Asia/Tokyo' WHERE id = crm_current_tenant()`));
    expect(await due()).toEqual(['tonight', 'after midnight']);
    // An explicit dueBefore still wins over the zone.
    expect((await followUps.list(f.rep, { scope: 'due', contactId: c.id, dueBefore: '2026-07-01T23:00:00Z' })).map((x) => x.id)).toEqual([tonight.id]);
    expect(afterMidnight.dueAt.toISOString()).toBe('2026-07-01T23:30:00.000Z');
  });

  it('refuses a due date years in the past or far ahead (a typo in the year), by the service clock', async () => {
    const followUps = createFollowUpService(t.db, { now: () => NOW });
    const c = await core.contacts.create(f.rep, { firstName: 'Yan', lastName: 'Year', email: 'yan@year.example' });
    await expect(followUps.create(f.rep, { contactId: c.id, title: 'typo', dueAt: '2016-07-01T09:00:00Z' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'dueAt', reason: expect.stringContaining('more than a year in the past') }],
    });
    await expect(followUps.create(f.rep, { contactId: c.id, title: 'typo', dueAt: '2206-07-01' })).rejects.toMatchObject({
      details: [{ path: 'dueAt', reason: expect.stringContaining('more than ten years ahead') }],
    });
    // an overdue backlog of months is real
    expect((await followUps.create(f.rep, { contactId: c.id, title: 'backlog', dueAt: '2026-01-15T09:00:00Z' })).title).toBe('backlog');
    expect(await followUps.list(f.rep, { scope: 'all', contactId: c.id })).toHaveLength(1);
  });
});
