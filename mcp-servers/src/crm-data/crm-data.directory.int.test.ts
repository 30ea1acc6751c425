import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failed, ok, openHarness, type Connected, type Harness } from '../testing/harness.ts';

type Row = { id: string; contactId: string; userId: string | null; type: string; direction: string; subject: string | null; createdAt: string; content: string };
type Page = { interactions: Row[]; totalCount: number; totalCountExact: boolean; nextCursor?: string };
type Users = { users: { id: string; name: string; email: string; role: string; active: boolean }[] };

// list_interactions and list_users: what REST had (GET /interactions, GET /users) and MCP clients lacked
describe.each(testDbKinds())('list_interactions and list_users over the in-memory transport on %s', (kind) => {
  let h: Harness;
  let manager: Connected;
  let rep: Connected;
  let repContact: string;
  let managerContact: string;
  const subjects = (p: Page) => p.interactions.map((i) => i.subject);

  beforeAll(async () => {
    h = await openHarness(kind);
    manager = await h.connect(h.f.manager);
    rep = await h.connect(h.f.rep);
    repContact = (await h.core.contacts.create(h.f.manager, { firstName: 'Rita', lastName: 'Reps', email: 'rita@dir.test', assignedTo: h.f.rep.userId })).id;
    managerContact = (await h.core.contacts.create(h.f.manager, { firstName: 'Max', lastName: 'Mgrs', email: 'max@dir.test', assignedTo: h.f.manager.userId })).id;
    // London is on UTC+1 in July: 23:30Z on the 10th is 00:30 on the 11th in the tenant's zone
    await h.core.interactions.log(h.f.manager, { contactId: repContact, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', subject: 'mgr on rep contact', occurredAt: '2025-07-09T10:00:00Z' });
    await h.core.interactions.log(h.f.rep, { contactId: repContact, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', subject: 'rep email', content: 'x'.repeat(5000), occurredAt: '2025-07-10T23:30:00Z' });
    await h.core.interactions.log(h.f.manager, { contactId: managerContact, type: 'MEETING', channel: 'IN_PERSON', direction: 'OUTBOUND', subject: 'mgr meeting', occurredAt: '2025-07-12T09:00:00Z' });
    // a contact the rep worked on and then handed over: what they logged there stays theirs to see
    const handedOver = (await h.core.contacts.create(h.f.manager, { firstName: 'Hana', lastName: 'Handed', email: 'hana@dir.test', assignedTo: h.f.rep.userId })).id;
    await h.core.interactions.log(h.f.rep, { contactId: handedOver, type: 'CHAT', channel: 'CHAT', direction: 'OUTBOUND', subject: 'rep note elsewhere', occurredAt: '2025-07-13T09:00:00Z' });
    await h.core.contacts.update(h.f.manager, handedOver, { assignedTo: h.f.manager.userId });
    await h.core.interactions.log(h.f.manager, { contactId: managerContact, type: 'PHONE_CALL', channel: 'PHONE', direction: 'INBOUND', subject: 'mgr call', occurredAt: '2025-07-14T09:00:00Z' });
  }, 120_000);
  afterAll(() => h.close());

  it('a manager sees the whole tenant newest first; a rep sees their contacts\' interactions and the ones they logged', async () => {
    const all = ok<Page>(await manager.call('list_interactions', {}));
    expect(subjects(all)).toEqual(['mgr call', 'rep note elsewhere', 'mgr meeting', 'rep email', 'mgr on rep contact']);
    expect(all).toMatchObject({ totalCount: 5, totalCountExact: true });
    expect(all.nextCursor).toBeUndefined();
    const mine = ok<Page>(await rep.call('list_interactions', {}));
    expect(subjects(mine)).toEqual(['rep note elsewhere', 'rep email', 'mgr on rep contact']);
    expect(mine.totalCount).toBe(3);
    // a long content is cut, saying where the whole text is
    const email = mine.interactions.find((i) => i.subject === 'rep email')!;
    expect(email.content).toMatch(new RegExp(`^x{4000}… \\[cut: 1,000 more characters; the whole text is in the resource crm://contacts/${repContact}/timeline\\]$`));
  });

  it('filters by who logged, owner, contact, type and direction, and reads dates in the tenant\'s zone', async () => {
    expect(subjects(ok<Page>(await rep.call('list_interactions', { userId: h.f.rep.userId })))).toEqual(['rep note elsewhere', 'rep email']);
    expect(subjects(ok<Page>(await manager.call('list_interactions', { ownerId: h.f.rep.userId })))).toEqual(['rep email', 'mgr on rep contact']);
    expect(subjects(ok<Page>(await manager.call('list_interactions', { contactId: managerContact, type: 'PHONE_CALL' })))).toEqual(['mgr call']);
    expect(subjects(ok<Page>(await manager.call('list_interactions', { direction: 'INBOUND' })))).toEqual(['mgr call', 'rep email']);
    // 2025-07-10T23:30Z is the 11th in London: a date-only `to` of the 10th leaves it out, `from` the 11th takes it
    expect(subjects(ok<Page>(await manager.call('list_interactions', { to: '2025-07-10' })))).toEqual(['mgr on rep contact']);
    expect(subjects(ok<Page>(await manager.call('list_interactions', { from: '2025-07-11', to: '2025-07-12' })))).toEqual(['mgr meeting', 'rep email']);
  });

  it('pages with a cursor bound to the query', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = ok<Page>(await manager.call('list_interactions', { limit: 2, ...(cursor ? { cursor } : {}) }));
      seen.push(...subjects(page).map(String));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['mgr call', 'rep note elsewhere', 'mgr meeting', 'rep email', 'mgr on rep contact']);
    const first = ok<Page>(await manager.call('list_interactions', { limit: 2 }));
    expect(failed(await manager.call('list_interactions', { limit: 2, type: 'PHONE_CALL', cursor: first.nextCursor })).details).toEqual([
      expect.objectContaining({ path: 'cursor', reason: expect.stringMatching(/different query/) }),
    ]);
  });

  it('refuses bad input naming the field', async () => {
    const badDate = failed(await manager.call('list_interactions', { from: 'last week' }));
    expect(badDate.code).toBe('VALIDATION_FAILED');
    expect(badDate.details).toEqual([expect.objectContaining({ path: 'from' })]);
    const impossible = failed(await manager.call('list_interactions', { to: '2025-02-30' }));
    expect(impossible.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(impossible.details)).toMatch(/"path":"to"/);
    const backwards = failed(await manager.call('list_interactions', { from: '2025-07-12', to: '2025-07-11' }));
    expect(backwards.details).toEqual([expect.objectContaining({ path: 'to', reason: 'must be after from' })]);
    expect(failed(await manager.call('list_interactions', { limit: 101 })).details).toEqual([expect.objectContaining({ path: 'limit' })]);
    expect(failed(await manager.call('list_interactions', { userId: 'me' })).details).toEqual([expect.objectContaining({ path: 'userId' })]);
  });

  it('list_interactions is not offered to a role without interactions:read, and refuses it when called anyway', async () => {
    const marketing = await h.connect(h.f.marketing);
    const names = (await marketing.client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('list_interactions');
    expect(names).toContain('list_users');
    expect(failed(await marketing.call('list_interactions', {})).code).toBe('PERMISSION_DENIED');
    expect((await rep.client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['list_interactions', 'list_users']));
  });

  it('list_users is the team directory every member may read: role filter, deactivated people only on request', async () => {
    const team = ok<Users>(await rep.call('list_users', {}));
    expect(team.users.map((u) => u.name).sort()).toEqual(['Ada Admin', 'manager', 'marketing', 'otherrep', 'rep']);
    expect(team.users.find((u) => u.id === h.f.manager.userId)).toEqual({ id: h.f.manager.userId, name: 'manager', email: expect.stringMatching(/^manager@/), role: 'SALES_MANAGER', active: true });
    expect(ok<Users>(await rep.call('list_users', { role: 'SALES_REP' })).users.map((u) => u.name).sort()).toEqual(['otherrep', 'rep']);
    await h.core.users.deactivate(h.f.admin, h.f.otherRep.userId);
    expect(ok<Users>(await manager.call('list_users', { role: 'SALES_REP' })).users.map((u) => u.name)).toEqual(['rep']);
    const withGone = ok<Users>(await manager.call('list_users', { role: 'SALES_REP', includeDeactivated: true }));
    expect(withGone.users.find((u) => u.name === 'otherrep')).toMatchObject({ active: false });
    expect(failed(await rep.call('list_users', { role: 'BOSS' })).details).toEqual([expect.objectContaining({ path: 'role' })]);
  });
});
