import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

describe.each(testDbKinds())('contacts on %s', (kind) => {
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

  it('creates, reads, updates and audits a contact', async () => {
    const c = await core.contacts.create(f.manager, {
      firstName: 'Jane',
      lastName: 'Smith',
      email: ' Jane.Smith@Prospect.com ',
      company: 'ProspectCorp',
      metadata: { campaignId: 'cmp-1' },
      customFields: { industry: 'retail' },
    });
    expect(c).toMatchObject({ email: 'jane.smith@prospect.com', status: 'LEAD', leadScore: 0, source: 'manual' });
    expect(await core.contacts.get(f.rep, c.id)).toMatchObject({ id: c.id, company: 'ProspectCorp' });
    const u = await core.contacts.update(f.manager, c.id, { position: 'CMO', leadScore: 55 });
    expect(u).toMatchObject({ position: 'CMO', leadScore: 55 });
    const audit = await core.audit.list(f.admin, { entityId: c.id });
    expect(audit.map((a) => a.action)).toEqual(['contact.updated', 'contact.created']);
    expect(audit[0].diff).toEqual({ before: { position: null, leadScore: 0 }, after: { position: 'CMO', leadScore: 55 } });
    expect(audit[0].actorId).toBe(f.manager.userId);
  });

  it('rejects a duplicate email in the tenant with CONFLICT naming the field', async () => {
    const first = await core.contacts.create(f.manager, { firstName: 'A', lastName: 'B', email: 'dup@x.com' });
    // the unique index finds the clash (no look-up before the insert); the error still names the contact
    await expect(core.contacts.create(f.manager, { firstName: 'C', lastName: 'D', email: 'DUP@x.com' })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: [expect.objectContaining({ path: 'email', existingId: first.id })],
    });
    const written = await t.db.asWorker((c) =>
      c.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1 AND first_name = 'C' AND last_name = 'D'`, [f.tenantId]),
    );
    expect(written.rows[0].n).toBe(0);
  });

  it.each([
    [{ firstName: 'A', lastName: 'B', email: 'not-an-email' }, 'email'],
    [{ firstName: 'A', lastName: 'B', email: 'a@b.co', status: 'HOT' }, 'status'],
    [{ firstName: 'A', lastName: 'B', email: 'a@b.co', leadScore: 101 }, 'leadScore'],
    [{ firstName: 'A', lastName: 'B', email: 'a@b.co', leadScore: -1 }, 'leadScore'],
    [{ firstName: 'x'.repeat(101), lastName: 'B', email: 'a@b.co' }, 'firstName'],
    [{ firstName: '', lastName: 'B', email: 'a@b.co' }, 'firstName'],
    [{ firstName: 'A', lastName: 'B', email: 'a@b.co', metadata: { campaignId: 'x'.repeat(200) } }, 'metadata.campaignId'],
    [{ firstName: 'A', lastName: 'B', email: 'a@b.co', favouriteColour: 'red' }, ''],
    [{ firstName: 'A', lastName: 'B', email: 'a@b.co', assignedTo: 'nobody' }, 'assignedTo'],
  ])('rejects bad input %j at field "%s" and stores nothing', async (input, field) => {
    const before = (await core.contacts.list(f.admin, { limit: 1 })).totalCount;
    const err = await core.contacts.create(f.manager, input).catch((e) => e);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(err.details[0].reason).toMatch(/\w+/);
    expect((await core.contacts.list(f.admin, { limit: 1 })).totalCount).toBe(before);
  });

  it('lists with search, filters, sort and pagination', async () => {
    for (let i = 0; i < 25; i++) {
      await core.contacts.create(f.manager, {
        firstName: `Page${i}`,
        lastName: 'Tester',
        email: `page${i}@acme-pages.com`,
        company: i % 2 ? 'Acme Pages' : 'Other Co',
        leadScore: i * 4,
        assignedTo: i % 5 === 0 ? f.rep.userId : undefined,
      });
    }
    const page1 = await core.contacts.list(f.rep, { search: 'acme-pages', limit: 10, sort: 'leadScore', order: 'desc' });
    expect(page1.totalCount).toBe(25);
    expect(page1.data).toHaveLength(10);
    expect(page1.pagination).toMatchObject({ page: 1, totalPages: 3, hasNextPage: true });
    expect(page1.data[0].leadScore).toBe(96);
    const page3 = await core.contacts.list(f.rep, { search: 'acme-pages', limit: 10, page: 3 });
    expect(page3.data).toHaveLength(5);
    // a partial page is the end of the matches (no count query); a page past the end still counts
    expect(page3).toMatchObject({ totalCount: 25, totalCountExact: true, pagination: { totalPages: 3, hasNextPage: false } });
    expect(await core.contacts.list(f.rep, { search: 'acme-pages', limit: 10, page: 4 })).toMatchObject({ data: [], totalCount: 25, totalCountExact: true });
    expect(await core.contacts.list(f.rep, { search: 'acme-pages', limit: 5, page: 5 })).toMatchObject({ totalCount: 25, pagination: { hasNextPage: false } });
    expect((await core.contacts.list(f.rep, { search: 'ACME PAGES' })).totalCount).toBe(12);
    expect((await core.contacts.list(f.rep, { search: 'acme-pages', leadScoreMin: 80 })).totalCount).toBe(5);
    expect((await core.contacts.list(f.rep, { search: 'acme-pages', assignedTo: f.rep.userId })).totalCount).toBe(5);
    expect((await core.contacts.list(f.rep, { search: '100%_' })).totalCount).toBe(0);
    await expect(core.contacts.list(f.rep, { limit: 101 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'limit' }] });
    await expect(core.contacts.list(f.rep, { sort: 'password' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'sort' }] });
    // quotes, backslashes and NULs in a search are the user's text, never SQL or a protocol error
    expect((await core.contacts.list(f.rep, { search: "o'brien\\' OR 1=1 --" })).totalCount).toBe(0);
    await expect(core.contacts.list(f.rep, { search: 'a\u0000b' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'search', reason: expect.stringMatching(/NUL/) }],
    });
  });

  it('refuses NUL characters in any stored text with the field named, and stores nothing', async () => {
    const before = (await core.contacts.list(f.admin)).totalCount;
    await expect(core.contacts.create(f.admin, { firstName: 'a\u0000b', lastName: 'x', email: 'nul@x.io' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'firstName' }],
    });
    await expect(core.contacts.create(f.admin, { firstName: 'a', lastName: 'x', email: 'nul@x.io', customFields: { 'bad\u0000key': 1 } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'customFields.bad\u0000key' }],
    });
    expect((await core.contacts.list(f.admin)).totalCount).toBe(before);
  });

  // a web form posts its empty fields as "": company "" used to be stored while phone "" was refused
  it('treats an empty phone, company or position as no value: nothing stored on create, cleared on update', async () => {
    const c = await core.contacts.create(f.admin, { firstName: 'Eve', lastName: 'Empty', email: 'eve@empty.io', phone: '', company: '  ', position: '' });
    expect(c).toMatchObject({ phone: null, company: null, position: null });
    const filled = await core.contacts.update(f.admin, c.id, { phone: '+44 20 7946 0000', company: 'Acme', position: 'CTO' });
    expect(filled).toMatchObject({ phone: '+44 20 7946 0000', company: 'Acme', position: 'CTO' });
    expect(await core.contacts.update(f.admin, c.id, { phone: '', company: '', position: ' ' })).toMatchObject({ phone: null, company: null, position: null });
    // a phone that is not one is still refused, naming the field
    await expect(core.contacts.update(f.admin, c.id, { phone: 'call me' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'phone' }] });
  });

  it('changes status with an event and audit entry, and logs interactions into the timeline', async () => {
    const c = await core.contacts.create(f.rep, { firstName: 'Tim', lastName: 'Line', email: 'tim@line.io' });
    expect(c.assignedTo).toBe(f.rep.userId);
    const when = new Date('2026-03-01T10:00:00Z');
    await core.interactions.log(f.rep, { contactId: c.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', content: 'Initial discovery call completed', duration: 25, occurredAt: when });
    await core.interactions.log(f.rep, {
      contactId: c.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', subject: 'Re: proposal', content: 'Looks good',
      sentiment: { score: 0.6, confidence: 0.8, emotions: ['interest'] }, scheduledFollowUp: '2030-01-01T09:00:00Z',
    });
    const tl = await core.interactions.timeline(f.rep, c.id);
    expect(tl.interactions.map((i) => i.type)).toEqual(['EMAIL', 'PHONE_CALL']);
    expect((await core.interactions.timeline(f.rep, c.id, { type: 'PHONE_CALL' })).interactions).toHaveLength(1);
    const after = await core.contacts.get(f.rep, c.id);
    expect(after.lastContactDate!.getTime()).toBeGreaterThan(when.getTime());
    const fus = await core.followUps.list(f.rep, { contactId: c.id });
    expect(fus).toHaveLength(1);
    const s = await core.contacts.changeStatus(f.rep, c.id, { status: 'CUSTOMER', reason: 'signed' });
    expect(s.status).toBe('CUSTOMER');
    await expect(core.contacts.changeStatus(f.rep, c.id, { status: 'WON' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'status' }] });
  });

  it('follow-ups: create, list due/overdue, complete, and emit follow-up.due once', async () => {
    const c = await core.contacts.create(f.manager, { firstName: 'F', lastName: 'U', email: 'fu@x.io', assignedTo: f.rep.userId });
    const past = await core.followUps.create(f.rep, { contactId: c.id, title: 'Call back', dueAt: new Date(Date.now() - 3600_000) });
    await core.followUps.create(f.rep, { contactId: c.id, title: 'Later', dueAt: new Date(Date.now() + 7 * 86400_000) });
    expect((await core.followUps.list(f.rep, { scope: 'overdue' })).map((x) => x.id)).toContain(past.id);
    expect((await core.followUps.list(f.rep, { scope: 'due' })).some((x) => x.title === 'Later')).toBe(false);
    expect(await core.followUps.emitDue()).toBeGreaterThanOrEqual(1);
    expect(await core.followUps.emitDue()).toBe(0);
    const done = await core.followUps.complete(f.rep, past.id, 'left voicemail');
    expect(done).toMatchObject({ done: true, notes: 'left voicemail' });
    await expect(core.followUps.complete(f.otherRep, past.id)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(core.followUps.create(f.rep, { contactId: c.id, title: 'x', dueAt: 'tomorrow' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED', details: [{ path: 'dueAt' }],
    });
  });

  // a second connection needs a real server (PGlite has one connection)
  it.skipIf(kind !== 'postgres')('a due scan skips a follow-up another replica is announcing (row locked) instead of announcing it twice', async () => {
    const c = await core.contacts.create(f.manager, { firstName: 'Con', lastName: 'Current', email: 'con@current.io', assignedTo: f.rep.userId });
    const fus = [];
    for (let i = 0; i < 4; i++) fus.push(await core.followUps.create(f.rep, { contactId: c.id, title: `due ${i}`, dueAt: new Date(Date.now() - 60_000 - i) }));
    // another replica's scan, mid-transaction, holding one row
    const other = await t.db.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT id FROM follow_ups WHERE id = $1 FOR UPDATE', [fus[0].id]);
      expect(await core.followUps.emitDue()).toBe(3);
      await other.query('COMMIT');
    } finally {
      other.release();
    }
    expect(await core.followUps.emitDue()).toBe(1);
    expect(await core.followUps.emitDue()).toBe(0);
    const counts = await Promise.all([core.followUps.emitDue(), core.followUps.emitDue(), core.followUps.emitDue()]);
    expect(counts).toEqual([0, 0, 0]);
  });

  it('finds duplicates and merges without losing interactions', async () => {
    const a = await core.contacts.create(f.manager, { firstName: 'Maria', lastName: 'Garcia', email: 'maria.garcia@bigco.com', company: 'BigCo', phone: '+1 555 123 4567' });
    const b = await core.contacts.create(f.manager, { firstName: 'maria', lastName: 'garcia', email: 'mgarcia@gmail.com', position: 'VP Marketing', customFields: { budget: 5000 } });
    await core.interactions.log(f.manager, { contactId: b.id, type: 'MEETING', channel: 'IN_PERSON', direction: 'OUTBOUND', content: 'Met at the trade show' });
    await core.interactions.log(f.manager, { contactId: a.id, type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND', content: 'Intro' });
    const pairs = await core.merge.findDuplicates(f.manager, { contactId: a.id });
    expect(pairs).toHaveLength(1);
    expect(pairs[0].reasons).toContain('same name');
    const merged = await core.merge.merge(f.manager, { primaryId: a.id, duplicateId: b.id });
    expect(merged.moved.interactions).toBe(1);
    expect(merged.contact).toMatchObject({ position: 'VP Marketing', phone: '+1 555 123 4567', email: 'maria.garcia@bigco.com' });
    expect(merged.contact.customFields).toMatchObject({ budget: 5000, alternateEmails: ['mgarcia@gmail.com'] });
    expect((await core.interactions.timeline(f.manager, a.id)).interactions).toHaveLength(2);
    await expect(core.contacts.get(f.manager, b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const audit = await core.audit.list(f.admin, { entityId: a.id });
    expect(audit[0].action).toBe('contact.merged');
    expect(JSON.stringify(audit[0].diff)).toContain('mgarcia@gmail.com');
    await expect(core.merge.merge(f.manager, { primaryId: a.id, duplicateId: a.id })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('reads contacts by id in one statement, only the tenant\'s, naming a bad id', async () => {
    const a = await core.contacts.create(f.manager, { firstName: 'Many', lastName: 'One', email: 'many.one@getmany.test' });
    const b = await core.contacts.create(f.manager, { firstName: 'Many', lastName: 'Two', email: 'many.two@getmany.test' });
    const other = await createTenantFixture(core);
    const foreign = await core.contacts.create(other.manager, { firstName: 'Not', lastName: 'Yours', email: 'not.yours@getmany.test' });
    const got = await core.contacts.getMany(f.rep, [a.id, b.id, a.id, foreign.id]);
    expect([...got.keys()].sort()).toEqual([a.id, b.id].sort());
    expect(got.get(b.id)).toEqual(await core.contacts.get(f.rep, b.id));
    expect(await core.contacts.getMany(f.rep, [])).toEqual(new Map());
    await expect(core.contacts.getMany(f.rep, [a.id, 'nope'])).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'ids.1' }] });
  });

  it('counts exactly up to 10,000 matches and estimates beyond, without changing the page, in one round trip per page', async () => {
    const other = await createTenantFixture(core);
    // 10,050 contacts: every tenth at "Few Co", the first 50 from a fair and the other 10,000 from the web
    const rows = ['First Name,Last Name,Email,Company,Lead Source'];
    for (let i = 0; i < 10_050; i++) rows.push(`Bulk${i},Count,bulk${String(i).padStart(5, '0')}@count.io,${i % 10 ? 'Many Co' : 'Few Co'},${i < 50 ? 'fair' : 'web'}`);
    const report = await core.imports.importContacts(other.admin, Readable.from([rows.join('\n')]));
    expect(report.created).toBe(10_050);
    const trips = vi.spyOn(t.db, 'readAsTenant');
    /** The page, asserting it cost exactly one round trip. */
    const list = async (query: Record<string, unknown>) => {
      trips.mockClear();
      const page = await core.contacts.list(other.admin, query);
      expect(trips, JSON.stringify(query)).toHaveBeenCalledTimes(1);
      return page;
    };
    try {
      // past the cap: a full page, the planner's estimate, flagged inexact
      const all = await list({ limit: 5 });
      expect(all.totalCountExact).toBe(false);
      expect(all.totalCount).toBeGreaterThan(10_000);
      expect(all.data).toHaveLength(5);
      const [[plan]] = await t.db.readAsTenant(other.tenantId, [{ sql: 'EXPLAIN (FORMAT JSON) SELECT 1 FROM contacts' }]);
      const planRows = Math.round((plan['QUERY PLAN'] as [{ Plan: { 'Plan Rows': number } }])[0].Plan['Plan Rows']);
      expect(planRows).toBeGreaterThan(10_001); // so the floor of 10,001 cannot pass for the estimate
      expect(all.totalCount).toBe(planRows);
      // the estimate's function (migration 0310) plans nothing but a SELECT
      await expect(t.db.readAsTenant(other.tenantId, [{ sql: 'SELECT crm_plan_rows($1)', params: ['DELETE FROM contacts'] }])).rejects.toThrow();
      expect(await t.db.readAsTenant(other.tenantId, [{ sql: 'SELECT crm_plan_rows($1) AS n', params: ['SELECT 1 FROM contacts'] }])).toEqual([[{ n: String(planRows) }]]);
      // 1,005 "Few Co" matches, in last-name then id order: a full first page, a full middle page, the
      // partial last page (its own count), and an empty page past the end (which counts)
      const few = { search: 'few co', sort: 'lastName', order: 'asc', limit: 100 } as const;
      const firstPage = await list(few);
      expect(firstPage).toMatchObject({ totalCount: 1005, totalCountExact: true, pagination: { totalPages: 11, hasNextPage: true } });
      expect(firstPage.data).toHaveLength(100);
      const middle = await list({ ...few, page: 10 });
      expect(middle).toMatchObject({ totalCount: 1005, totalCountExact: true, pagination: { totalPages: 11, hasNextPage: true } });
      const last = await list({ ...few, page: 11 });
      expect(last.data).toHaveLength(5);
      expect(last).toMatchObject({ totalCount: 1005, totalCountExact: true, pagination: { totalPages: 11, hasNextPage: false } });
      expect(await list({ ...few, page: 12 })).toMatchObject({ data: [], totalCount: 1005, totalCountExact: true, pagination: { totalPages: 11 } });
      // the pages are the ordered matches: no row lost or repeated between pages
      const emails: string[] = [];
      for (let page = 1; page <= 11; page++) emails.push(...(await list({ ...few, page })).data.map((c) => c.email));
      expect(new Set(emails).size).toBe(1005);
      expect(emails.every((e) => Number(e.slice(4, 9)) % 10 === 0)).toBe(true);
      // an empty first page and a rare term: counted from the page itself
      expect(await list({ search: 'no such contact anywhere' })).toMatchObject({ data: [], totalCount: 0, totalCountExact: true, pagination: { totalPages: 1 } });
      expect(await list({ search: 'bulk00042@' })).toMatchObject({ totalCount: 1, totalCountExact: true });
      // exactly at the cap is exact (10,000 from the web), more is past it (all 10,050)
      expect(await list({ source: 'web', limit: 100, page: 3 })).toMatchObject({ totalCount: 10_000, totalCountExact: true, pagination: { totalPages: 100, hasNextPage: true } });
      expect(await list({ source: 'web', limit: 100, page: 100 })).toMatchObject({ totalCount: 10_000, totalCountExact: true, pagination: { hasNextPage: false } });
      expect(await list({ search: 'count', limit: 100, page: 3 })).toMatchObject({ totalCountExact: false });
    } finally {
      trips.mockRestore();
    }
  });
});
