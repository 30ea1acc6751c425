import { databaseOf, testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, workflowBody, type RestHarness } from './rest-test.fixture.ts';

/**
 * The audit log, follow-ups and workflow executions page over the database (offset + capped count),
 * not over a capped fetch: pages past the old caps (1,000 audit entries, 500 follow-ups, 200
 * executions) are reachable, in order, without repeats, and the totals are exact.
 */
describe.each(testDbKinds())('REST lists page past the old caps (%s)', (kind) => {
  let h: RestHarness;
  let workflowId: string;
  const CONTACTS = 1_050;
  const FOLLOW_UPS = 530;
  const EXECUTIONS = 230;
  const TIMELINE = 530;
  let timelineContact: string;

  beforeAll(async () => {
    h = await openRestHarness(kind);
    // 1,050 contacts by CSV import: one audit row each
    const csv = ['email,first_name,last_name', ...Array.from({ length: CONTACTS }, (_, i) => `p${i}@paging.test,P,Person ${i}`)].join('\n');
    const imported = await h.call('admin', 'POST', '/api/v1/contacts/import', csv, { 'content-type': 'text/csv' });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json().created).toBe(CONTACTS);
    const wf = await h.call('admin', 'POST', '/api/v1/workflows', workflowBody('paging'));
    expect(wf.statusCode, wf.body).toBe(201);
    workflowId = wf.json().id;
    const db = databaseOf(h.core.db);
    await db.withTenant(h.a.tenantId, async (em) => {
      const [contact] = await em.execute<{ id: string }[]>('SELECT id FROM contacts ORDER BY email LIMIT 1');
      await em.execute(
        `INSERT INTO follow_ups (id, tenant_id, contact_id, owner_id, title, due_at)
         SELECT gen_random_uuid(), ?, ?, ?, 'Call ' || g, now() + g * interval '1 minute' FROM generate_series(1, ${FOLLOW_UPS}) g`,
        [h.a.tenantId, contact.id, h.a.rep.userId],
      );
      await em.execute(
        `INSERT INTO workflow_executions (id, tenant_id, workflow_id, version, status, trigger_type, created_at)
         SELECT gen_random_uuid(), ?, ?, 1, CASE WHEN g % 2 = 0 THEN 'completed' ELSE 'failed' END, 'MANUAL', now() - g * interval '1 second'
         FROM generate_series(1, ${EXECUTIONS}) g`,
        [h.a.tenantId, workflowId],
      );
      // one contact (not the rep's) with 530 interactions logged by the rep and 5 by the admin
      const [other] = await em.execute<{ id: string }[]>('SELECT id FROM contacts ORDER BY email LIMIT 1 OFFSET 1');
      timelineContact = other.id;
      await em.execute(
        `INSERT INTO interactions (id, tenant_id, contact_id, user_id, type, channel, direction, subject, created_at)
         SELECT gen_random_uuid(), ?, ?, CASE WHEN g <= ${TIMELINE} THEN ?::uuid ELSE ?::uuid END, 'PHONE_CALL', 'PHONE', 'OUTBOUND', 'Call ' || g,
                timestamptz '2026-06-01T12:00:00Z' - g * interval '1 minute'
         FROM generate_series(1, ${TIMELINE + 5}) g`,
        [h.a.tenantId, timelineContact, h.a.rep.userId, h.a.admin.userId],
      );
    });
  }, 180_000);

  afterAll(() => h?.close());

  /** Every page of a list, following hasNextPage. */
  async function readAll(url: string, who: 'admin' | 'rep' = 'admin') {
    const ids: string[] = [];
    const pages: { totalCount: number; totalCountExact: boolean; totalPages: number }[] = [];
    for (let page = 1; ; page++) {
      const res = await h.call(who, 'GET', `${url}${url.includes('?') ? '&' : '?'}limit=100&page=${page}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      ids.push(...body.data.map((x: { id: string }) => x.id));
      pages.push({ totalCount: body.totalCount, totalCountExact: body.totalCountExact, totalPages: body.pagination.totalPages });
      if (!body.pagination.hasNextPage) return { ids, pages };
    }
  }

  it('audit log: every entry past 1,000, newest first, exact total', async () => {
    const { ids, pages } = await readAll('/api/v1/audit-log?entityType=contact');
    expect(ids).toHaveLength(CONTACTS);
    expect(new Set(ids).size).toBe(CONTACTS);
    const numeric = ids.map(Number);
    expect(numeric).toEqual([...numeric].sort((a, b) => b - a));
    for (const p of pages) expect(p).toEqual({ totalCount: CONTACTS, totalCountExact: true, totalPages: 11 });
  });

  it('audit log: `before` reads on from an entry id (keyset), and bad values are named', async () => {
    const first = (await h.call('admin', 'GET', '/api/v1/audit-log?entityType=contact&limit=100')).json();
    const last = first.data.at(-1).id as string;
    const next = (await h.call('admin', 'GET', `/api/v1/audit-log?entityType=contact&limit=100&before=${last}`)).json();
    const second = (await h.call('admin', 'GET', '/api/v1/audit-log?entityType=contact&limit=100&page=2')).json();
    expect(next.data.map((e: { id: string }) => e.id)).toEqual(second.data.map((e: { id: string }) => e.id));
    expect(next.totalCount).toBe(CONTACTS - 100);
    for (const [query, field] of [
      ['before=abc', 'before'],
      ['page=501', 'page'],
      ['limit=101', 'limit'],
    ]) {
      const res = await h.call('admin', 'GET', `/api/v1/audit-log?${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(res.json().error.details).toEqual([expect.objectContaining({ path: `query.${field}`, reason: expect.stringMatching(/must be/) })]);
    }
  });

  it('follow-ups: all 530 by due date (was 500), a rep sees them as owner, another rep none', async () => {
    const { ids, pages } = await readAll('/api/v1/follow-ups?scope=all', 'rep');
    expect(ids).toHaveLength(FOLLOW_UPS);
    expect(new Set(ids).size).toBe(FOLLOW_UPS);
    expect(pages[0]).toEqual({ totalCount: FOLLOW_UPS, totalCountExact: true, totalPages: 6 });
    const titles = [];
    for (const page of [1, 6]) titles.push(...(await h.call('rep', 'GET', `/api/v1/follow-ups?scope=all&limit=100&page=${page}`)).json().data.map((f: { title: string }) => f.title));
    expect(titles[0]).toBe('Call 1');
    expect(titles.at(-1)).toBe(`Call ${FOLLOW_UPS}`);
    const other = (await h.call('otherRep', 'GET', '/api/v1/follow-ups?scope=all')).json();
    expect(other.totalCount).toBe(0);
    expect(other.data).toEqual([]);
  });

  it('executions: all 230 (was 200), filtered by status, on both routes', async () => {
    const all = await readAll('/api/v1/executions');
    expect(all.ids).toHaveLength(EXECUTIONS);
    expect(new Set(all.ids).size).toBe(EXECUTIONS);
    const ofWorkflow = await readAll(`/api/v1/workflows/${workflowId}/executions?status=failed`);
    expect(ofWorkflow.ids).toHaveLength(EXECUTIONS / 2);
    expect(ofWorkflow.pages[0].totalCount).toBe(EXECUTIONS / 2);
    // a page past the end is empty and still knows the total
    const past = (await h.call('admin', 'GET', '/api/v1/executions?limit=100&page=9')).json();
    expect(past.data).toEqual([]);
    expect(past.totalCount).toBe(EXECUTIONS);
    expect(past.pagination.hasNextPage).toBe(false);
    // another tenant's workflow is 404, not an empty page
    const b = await h.call('admin', 'GET', `/api/v1/workflows/${workflowId}/executions`, undefined, {}, h.b);
    expect(b.statusCode).toBe(404);
  });

  it("a contact's timeline: all 535 past the old cap of 500, newest first; a rep on a contact not theirs sees what they logged", async () => {
    const url = `/api/v1/contacts/${timelineContact}/interactions`;
    const all = await readAll(url);
    expect(all.ids).toHaveLength(TIMELINE + 5);
    expect(new Set(all.ids).size).toBe(TIMELINE + 5);
    expect(all.pages[0]).toEqual({ totalCount: TIMELINE + 5, totalCountExact: true, totalPages: 6 });
    const last = (await h.call('admin', 'GET', `${url}?limit=100&page=6`)).json();
    expect(last.contact).toEqual({ id: timelineContact, name: expect.stringMatching(/^P Person /) });
    expect(last.data.at(-1).subject).toBe(`Call ${TIMELINE + 5}`);
    const mine = await readAll(url, 'rep');
    expect(mine.ids).toHaveLength(TIMELINE);
    // `before` is exclusive: the interactions logged before Call 100's minute are calls 101…535
    const before = (await h.call('admin', 'GET', `${url}?before=2026-06-01T10:20:00Z&limit=5`)).json();
    expect(before.totalCount).toBe(TIMELINE + 5 - 100);
    expect(before.data[0].subject).toBe('Call 101');
    const bad = await h.call('admin', 'GET', `${url}?page=501`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([expect.objectContaining({ path: 'query.page' })]);
    const missing = await h.call('admin', 'GET', `/api/v1/contacts/${crypto.randomUUID()}/interactions`);
    expect(missing.statusCode).toBe(404);
  });

  it('interactions: blank from/to are 400 naming both fields (found by the route fuzz: was 500)', async () => {
    const res = await h.call('admin', 'GET', '/api/v1/interactions?to=+&from=+');
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.details.map((d: { path: string }) => d.path).sort()).toEqual(['query.from', 'query.to']);
  });
});
