import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

/** The batched reads behind GraphQL's loaders: the same answers as the one-at-a-time reads, tenant-scoped. */
describe.each(testDbKinds())('batched timelines and users on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let a: TenantFixture;
  let b: TenantFixture;
  const ids: string[] = [];
  let inB: string;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    a = await createTenantFixture(core);
    b = await createTenantFixture(core);
    for (const [i, owner] of [a.rep, a.otherRep, a.rep].entries()) {
      const c = await core.contacts.create(a.manager, { firstName: 'T', lastName: `L${i}`, email: `tl${i}@x.test`, assignedTo: owner.userId });
      ids.push(c.id);
      for (let k = 0; k < 4; k++) {
        await core.interactions.log(a.manager, { contactId: c.id, type: k % 2 ? 'EMAIL' : 'MEETING', channel: k % 2 ? 'EMAIL' : 'IN_PERSON', direction: 'OUTBOUND', subject: `s${k}`, content: 'x', occurredAt: `2026-02-0${k + 1}T09:00:00.000Z` });
      }
    }
    const c = await core.contacts.create(b.manager, { firstName: 'B', lastName: 'B', email: 'b@x.test' });
    await core.interactions.log(b.manager, { contactId: c.id, type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND', content: 'secret' });
    inB = c.id;
  });
  afterAll(async () => {
    await core?.outbox.stop();
    await t?.drop();
  });

  it('answers each contact as timeline() does, with the limit and type per contact', async () => {
    for (const [who, q] of [
      [a.manager, { limit: 2 }],
      [a.manager, { limit: 5, type: 'EMAIL' }],
      [a.rep, { limit: 3 }],
    ] as const) {
      const batch = await core.interactions.timelines(who, ids, q);
      for (const id of ids) expect(batch.get(id)).toEqual((await core.interactions.timeline(who, id, q)).interactions);
    }
    // the rep sees every interaction on their own contacts, none of the manager's on another rep's
    const asRep = await core.interactions.timelines(a.rep, ids, { limit: 10 });
    expect(ids.map((id) => asRep.get(id)!.length)).toEqual([4, 0, 4]);
  });

  it("gives nothing of another tenant's contacts or users, and names a bad id", async () => {
    const mixed = await core.interactions.timelines(a.manager, [ids[0], inB], { limit: 10 });
    expect(mixed.get(inB)).toEqual([]);
    expect(mixed.get(ids[0])).toHaveLength(4);
    const users = await core.users.getMany(a.manager, [a.rep.userId, b.rep.userId, a.rep.userId]);
    expect([...users.keys()]).toEqual([a.rep.userId]);
    await expect(core.interactions.timelines(a.manager, [ids[0], 'nope'])).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'contactIds.1' }] });
    await expect(core.users.getMany(a.manager, ['nope'])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(core.interactions.timelines(a.marketing, ids)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect((await core.interactions.timelines(a.manager, [])).size).toBe(0);
  });
});
