import { databaseOf, testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openRestHarness, type RestHarness } from '../http/api/rest-test.fixture.ts';

interface GqlBody {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes are what the assertions check
  data: Record<string, any> | null;
  errors?: { message: string; path?: string[]; extensions: { code: string; details?: unknown } }[];
}

const PAGE = `query($n: Int!) { contacts(first: $n, filter: { search: "batchy" }, sort: { field: LAST_NAME, direction: ASC }) { edges { node {
  lastName assignedTo { id name } interactions(first: 1) { edges { node { subject } } pageInfo { hasNextPage } } recentActivity { subject }
} } } }`;

describe.each(testDbKinds())('GraphQL batching of contact fields on %s', (kind) => {
  let h: RestHarness;
  const gql = async (who: 'manager' | 'rep', query: string, variables?: Record<string, unknown>) => {
    const res = await h.call(who, 'POST', '/graphql', { query, ...(variables ? { variables } : {}) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as GqlBody;
  };

  beforeAll(async () => {
    h = await openRestHarness(kind);
    for (let i = 0; i < 12; i++) {
      const owner = i % 3 === 0 ? h.a.otherRep : i % 3 === 1 ? h.a.rep : null;
      const c = await h.core.contacts.create(h.a.manager, { firstName: 'Batch', lastName: `Batchy${String(i).padStart(2, '0')}`, email: `batchy${i}@x.test`, ...(owner ? { assignedTo: owner.userId } : {}) });
      for (const [subject, at] of [['older', '2026-01-05T10:00:00.000Z'], ['newer', '2026-01-06T10:00:00.000Z']] as const) {
        await h.core.interactions.log(h.a.manager, { contactId: c.id, type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND', subject, content: 'hi', occurredAt: at });
      }
    }
  });
  afterAll(() => h.close());

  /** Core calls and database round trips (tenant transactions and batched reads) made while `fn` runs. */
  async function counted<T>(fn: () => Promise<T>) {
    const spies = {
      usersGet: vi.spyOn(h.core.users, 'get'),
      usersGetMany: vi.spyOn(h.core.users, 'getMany'),
      timeline: vi.spyOn(h.core.interactions, 'timeline'),
      timelines: vi.spyOn(h.core.interactions, 'timelines'),
      contactsGet: vi.spyOn(h.core.contacts, 'get'),
      contactsGetMany: vi.spyOn(h.core.contacts, 'getMany'),
      readAsTenant: vi.spyOn(databaseOf(h.core.db), 'readAsTenant'),
      withTenant: vi.spyOn(databaseOf(h.core.db), 'withTenant'),
    };
    try {
      const result = await fn();
      const calls = Object.fromEntries(Object.entries(spies).map(([k, s]) => [k, s.mock.calls.length])) as Record<keyof typeof spies, number>;
      return { result, calls, roundTrips: calls.readAsTenant + calls.withTenant };
    } finally {
      for (const s of Object.values(spies)) s.mockRestore();
    }
  }

  it('answers assignedTo, interactions and recentActivity of a whole page with one query per field, whatever the page size', async () => {
    const small = await counted(() => gql('manager', PAGE, { n: 3 }));
    const large = await counted(() => gql('manager', PAGE, { n: 12 }));
    for (const run of [small, large]) {
      expect(run.result.errors).toBeUndefined();
      expect(run.calls).toMatchObject({ usersGet: 0, timeline: 0, usersGetMany: 1, timelines: 2 });
    }
    expect(large.result.data!.contacts.edges).toHaveLength(12);
    // the same number of round trips for 3 and for 12 contacts: the list page with its capped count
    // (one statement, although both pages are full and so are counted), users, interactions and
    // recent activity
    expect(large.roundTrips).toBe(small.roundTrips);
    expect(large.roundTrips).toBe(4);

    const nodes = large.result.data!.contacts.edges.map((e: { node: unknown }) => e.node);
    const nameOf = async (userId: string) => (await h.core.users.get(h.a.admin, userId)).name;
    expect(nodes[0]).toEqual({ lastName: 'Batchy00', assignedTo: { id: h.a.otherRep.userId, name: await nameOf(h.a.otherRep.userId) }, interactions: { edges: [{ node: { subject: 'newer' } }], pageInfo: { hasNextPage: true } }, recentActivity: [{ subject: 'newer' }, { subject: 'older' }] });
    expect(nodes[1].assignedTo).toEqual({ id: h.a.rep.userId, name: await nameOf(h.a.rep.userId) });
    expect(nodes[2].assignedTo).toBeNull();
  });

  it('batches per distinct arguments, fails only the field with a bad page size, and keeps the rep rule', async () => {
    const q = `{ contacts(first: 6, filter: { search: "batchy" }, sort: { field: LAST_NAME, direction: ASC }) { edges { node {
      lastName one: interactions(first: 1) { edges { node { subject } } } emails: interactions(first: 5, type: EMAIL) { edges { node { subject } } }
    } } } }`;
    const run = await counted(() => gql('manager', q));
    expect(run.result.errors).toBeUndefined();
    expect(run.calls).toMatchObject({ timeline: 0, timelines: 2 });
    expect(run.result.data!.contacts.edges[0].node).toMatchObject({ one: { edges: [{ node: { subject: 'newer' } }] }, emails: { edges: [{ node: { subject: 'newer' } }, { node: { subject: 'older' } }] } });

    const bad = await gql('manager', `{ contacts(first: 2, filter: { search: "batchy" }) { edges { node { lastName interactions(first: 101) { edges { cursor } } } } } }`);
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'VALIDATION_FAILED', details: [{ path: 'first' }] } });

    // a rep reads every contact, but only the interactions on their own (the manager logged these)
    const asRep = await gql('rep', PAGE, { n: 3 });
    const [other, own, unassigned] = asRep.data!.contacts.edges.map((e: { node: { recentActivity: unknown[] } }) => e.node.recentActivity);
    expect(own).toHaveLength(2);
    expect(other).toEqual([]);
    expect(unassigned).toEqual([]);
  });

  it('answers the Interaction.contact fields of a list with one read, whatever the number of interactions', async () => {
    const q = `query($n: Int!) { contacts(first: $n, filter: { search: "batchy" }, sort: { field: LAST_NAME, direction: ASC }) { edges { node {
      id lastName recentActivity { subject contact { id lastName } }
    } } } }`;
    const small = await counted(() => gql('manager', q, { n: 3 }));
    const large = await counted(() => gql('manager', q, { n: 12 }));
    for (const run of [small, large]) {
      expect(run.result.errors).toBeUndefined();
      expect(run.calls).toMatchObject({ contactsGet: 0, contactsGetMany: 1, timelines: 1 });
    }
    // 24 interactions' contacts in the larger page, yet the same trips as for 6: the list page, recent
    // activity, and their contacts (was one read per interaction)
    expect(large.roundTrips).toBe(small.roundTrips);
    expect(large.roundTrips).toBe(3);
    type Node = { id: string; lastName: string; recentActivity: { contact: unknown }[] };
    const nodes: Node[] = large.result.data!.contacts.edges.map((e: { node: Node }) => e.node);
    expect(nodes).toHaveLength(12);
    for (const n of nodes) expect(n.recentActivity.map((i) => i.contact)).toEqual([{ id: n.id, lastName: n.lastName }, { id: n.id, lastName: n.lastName }]);

    // two lists of interactions resolve in their own time, so their contacts come in one read per
    // list at most — never one per interaction
    const both = await counted(() =>
      gql('manager', `{ contacts(first: 12, filter: { search: "batchy" }) { edges { node { lastName
        recentActivity { contact { id } } interactions(first: 1) { edges { node { contact { fullName } } } } } } } }`),
    );
    expect(both.result.errors).toBeUndefined();
    expect(both.calls.contactsGet).toBe(0);
    expect(both.calls.contactsGetMany).toBeGreaterThanOrEqual(1);
    expect(both.calls.contactsGetMany).toBeLessThanOrEqual(2);
    for (const e of both.result.data!.contacts.edges as { node: { lastName: string; interactions: { edges: { node: { contact: { fullName: string } } }[] } } }[]) {
      expect(e.node.interactions.edges[0].node.contact.fullName).toBe(`Batch ${e.node.lastName}`);
    }
  });
});
