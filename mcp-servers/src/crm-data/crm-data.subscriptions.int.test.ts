import { createTenantFixture, testDbKinds, type TenantFixture } from '@crm/core/testing';
import { McpError, ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxChangeFeed, type ChangeFeed } from '../framework/change-feed.ts';
import { openHarness, waitFor, type Connected, type Harness } from '../testing/harness.ts';

interface Listening extends Connected {
  updated: string[];
  listChanged: number;
}

const kinds = testDbKinds().flatMap((kind) => (['shared outbox tail (default)', 'outbox dispatcher'] as const).map((feed) => [kind, feed] as const));

describe.each(kinds)('resource subscriptions on %s via the %s', (kind, feedKind) => {
  let h: Harness;
  let other: TenantFixture;
  let feed: ChangeFeed | undefined;
  let manager: Listening;
  let otherManager: Listening;

  async function listen(actor: Harness['f']['manager']): Promise<Listening> {
    const c = (await h.connect(actor, { deps: feed ? { changeFeed: feed } : {} })) as Listening;
    c.updated = [];
    c.listChanged = 0;
    c.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void c.updated.push(n.params.uri));
    c.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void c.listChanged++);
    return c;
  }

  beforeAll(async () => {
    h = await openHarness(kind);
    other = await createTenantFixture(h.core);
    if (feedKind === 'outbox dispatcher') {
      await h.core.outbox.start();
      feed = outboxChangeFeed(h.core);
    }
    manager = await listen(h.f.manager);
    otherManager = await listen(other.manager);
  });
  afterAll(async () => {
    await feed?.close();
    await h.close();
  });

  const newContact = (f: TenantFixture, email: string) => h.core.contacts.create(f.manager, { firstName: 'Sub', lastName: email.split('@')[0], email });

  it('notifies the subscriber of a contact changed through core, and only about that contact', async () => {
    const a = await newContact(h.f, 'a@sub.test');
    const b = await newContact(h.f, 'b@sub.test');
    await manager.client.subscribeResource({ uri: 'crm://contacts/a@sub.test' });
    await manager.client.subscribeResource({ uri: `crm://contacts/${a.id}/timeline` });
    manager.updated = [];
    await h.core.contacts.update(h.f.manager, b.id, { company: 'Other' });
    await h.core.contacts.update(h.f.manager, a.id, { company: 'Changed' });
    await waitFor(() => manager.updated.includes('crm://contacts/a@sub.test'), 10_000, 'contact update notification');
    expect(manager.updated).toEqual(['crm://contacts/a@sub.test']);
    await h.core.interactions.log(h.f.manager, { contactId: a.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', content: 'hi' });
    await waitFor(() => manager.updated.includes(`crm://contacts/${a.id}/timeline`), 10_000, 'timeline notification');
    await h.core.contacts.changeStatus(h.f.manager, a.id, { status: 'PROSPECT' });
    await waitFor(() => manager.updated.filter((u) => u === 'crm://contacts/a@sub.test').length >= 3, 10_000, 'status notification');
    expect(manager.updated.some((u) => u.includes(b.id) || u.includes('b@sub.test'))).toBe(false);
  });

  it("keeps tenants apart: tenant-wide resources and list changes reach only the tenant's own sessions", async () => {
    await manager.client.subscribeResource({ uri: 'crm://follow-ups/due' });
    await otherManager.client.subscribeResource({ uri: 'crm://follow-ups/due' });
    manager.updated = [];
    otherManager.updated = [];
    const listBefore = otherManager.listChanged;
    const mine = await newContact(h.f, 'tenant-a@sub.test');
    await h.core.followUps.create(h.f.manager, { contactId: mine.id, title: 'call', dueAt: new Date() });
    await waitFor(() => manager.updated.includes('crm://follow-ups/due') && manager.listChanged > 0, 10_000, 'own tenant notifications');
    // a change of the other tenant is the barrier: once its own notification arrived, ours would have too
    const theirs = await newContact(other, 'tenant-b@sub.test');
    await h.core.followUps.create(other.manager, { contactId: theirs.id, title: 'call', dueAt: new Date() });
    await waitFor(() => otherManager.updated.includes('crm://follow-ups/due'), 10_000, 'other tenant notification');
    expect(otherManager.updated).toEqual(['crm://follow-ups/due']);
    expect(otherManager.listChanged).toBe(listBefore + 1);
    // a late notification about a contact subscribed in the previous test may still arrive; it is ours, not theirs
    expect(manager.updated.filter((u) => !u.startsWith('crm://contacts/'))).toEqual(['crm://follow-ups/due']);
    expect(manager.updated.some((u) => u.includes(theirs.id) || u.includes('tenant-b'))).toBe(false);
  });

  it('notifies about both contacts of a merge and stops after unsubscribe', async () => {
    const keep = await newContact(h.f, 'keep@sub.test');
    const dup = await newContact(h.f, 'dup@sub.test');
    await manager.client.subscribeResource({ uri: `crm://contacts/${dup.id}` });
    await manager.client.subscribeResource({ uri: `crm://contacts/${keep.id}` });
    manager.updated = [];
    const listBefore = manager.listChanged;
    await h.core.merge.merge(h.f.manager, { primaryId: keep.id, duplicateId: dup.id });
    await waitFor(() => manager.updated.includes(`crm://contacts/${dup.id}`) && manager.updated.includes(`crm://contacts/${keep.id}`), 10_000, 'merge notifications');
    await waitFor(() => manager.listChanged > listBefore, 10_000, 'list_changed after merge');
    await manager.client.unsubscribeResource({ uri: `crm://contacts/${keep.id}` });
    const a = await h.core.contacts.findByEmail(h.f.manager, 'a@sub.test');
    manager.updated = [];
    await h.core.contacts.update(h.f.manager, keep.id, { company: 'After' });
    await h.core.contacts.update(h.f.manager, a!.id, { company: 'Barrier' });
    await waitFor(() => manager.updated.includes('crm://contacts/a@sub.test'), 10_000, 'barrier notification');
    expect(manager.updated).not.toContain(`crm://contacts/${keep.id}`);
  });

  it("refuses subscriptions to another tenant's contact or to unknown resources", async () => {
    const theirs = await h.core.contacts.findByEmail(other.manager, 'tenant-b@sub.test');
    for (const uri of [`crm://contacts/${theirs!.id}`, 'crm://deals/42']) {
      const err = await manager.client.subscribeResource({ uri }).catch((e) => e);
      expect(err).toBeInstanceOf(McpError);
    }
  });
});
