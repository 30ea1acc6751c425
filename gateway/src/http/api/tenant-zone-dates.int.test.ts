/**
 * Dates in the tenant's time zone over every entry point (QA round 5's leftovers): a date alone is
 * the start of that local day, list filters read offset-less bounds there (a date-only `to` includes
 * its day), CSV imports read offset-less cells there, and the offline assistant's "yesterday" is the
 * tenant's yesterday. Tenant A is in Pacific/Auckland (UTC+13 in December), B in America/Los_Angeles
 * (UTC−8): a UTC reading moves every date by most of a day.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { testDbKinds } from '@crm/core/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, openRestHarness, type RestHarness } from './rest-test.fixture.ts';

type Row = Record<string, unknown>;

describe.each(testDbKinds())("dates in the tenant's time zone on %s", { timeout: 300_000 }, (kind) => {
  let h: RestHarness;
  const la = (method: 'GET' | 'POST', url: string, body?: unknown, headers?: Record<string, string>) => h.call('admin', method, url, body, headers, h.b);
  const akl = (method: 'GET' | 'POST', url: string, body?: unknown) => h.call('admin', method, url, body, {}, h.a);
  const newContact = async (call: typeof la, n: string) => {
    const res = await call('POST', '/api/v1/contacts', contactBody(n));
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const log = async (contactId: string, occurredAt: string, extra: Row = {}) => {
    const res = await la('POST', '/api/v1/interactions', { contactId, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', content: `note ${occurredAt}`, occurredAt, ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Row;
  };

  beforeAll(async () => {
    h = await openRestHarness(kind);
    await h.t.db.withTenant(h.a.tenantId, (em) => em.execute(`UPDATE tenants SET time_zone = 'Pacific/Auckland' WHERE id = crm_current_tenant()`));
    await h.t.db.withTenant(h.b.tenantId, (em) => em.execute(`UPDATE tenants SET time_zone = 'America/Los_Angeles' WHERE id = crm_current_tenant()`));
  }, 120_000);
  afterAll(() => h.close());

  it("reads a date alone (a follow-up's dueAt, an interaction's occurredAt and scheduledFollowUp) as the start of that day in the tenant's zone", async () => {
    const due = async (call: typeof la, contactId: string, dueAt: string) => {
      const res = await call('POST', '/api/v1/follow-ups', { contactId, title: `due ${dueAt}`, dueAt });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().dueAt as string;
    };
    // was UTC midnight: due "3 December" fell due at 16:00 on the 2nd in Los Angeles
    expect(await due(la, await newContact(la, 'la-due'), '2026-12-03')).toBe('2026-12-03T08:00:00.000Z');
    expect(await due(akl, await newContact(akl, 'akl-due'), '2026-12-03')).toBe('2026-12-02T11:00:00.000Z');
    // an explicit Z is kept as given
    expect(await due(la, await newContact(la, 'la-due-z'), '2026-12-03T00:00:00Z')).toBe('2026-12-03T00:00:00.000Z');

    const logged = await log(await newContact(la, 'la-log'), '2026-11-20', { scheduledFollowUp: '2026-12-04' });
    expect(logged).toMatchObject({ createdAt: '2026-11-20T08:00:00.000Z', scheduledFollowUp: '2026-12-04T08:00:00.000Z' });
  });

  it('reads list filters (from, to, lastContactedBefore, dueBefore) in the tenant\'s zone; a date-only to or dueBefore includes that whole day', async () => {
    const x = await newContact(la, 'la-filters');
    const late19 = await log(x, '2026-11-19T23:00'); // 07:00Z on the 20th
    const late20 = await log(x, '2026-11-20T23:30'); // 07:30Z on the 21st
    const early21 = await log(x, '2026-11-21T00:30'); // 08:30Z on the 21st
    const ids = async (query: string) => {
      const res = await la('GET', `/api/v1/interactions?contactId=${x}&${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().data as Row[]).map((r) => r.id);
    };
    // 20 November in Los Angeles: only the note at 23:30 that day (UTC's 20th held the 19th's 23:00, and from=to was refused)
    expect(await ids('from=2026-11-20&to=2026-11-20')).toEqual([late20.id]);
    expect(await ids('to=2026-11-20')).toEqual([late20.id, late19.id]);
    expect(await ids('from=2026-11-21')).toEqual([early21.id]);
    expect(await ids('from=2026-11-21T00:00&to=2026-11-21T01:00')).toEqual([early21.id]);
    expect(await ids('from=2026-11-21T08:00:00Z')).toEqual([early21.id]);
    const backwards = await la('GET', `/api/v1/interactions?from=2026-11-21&to=2026-11-20`);
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.details[0]).toMatchObject({ path: 'query.to', reason: 'must be after from' });

    // last contacted in the evening of the 20th, local time (04:00Z on the 21st)
    const body = contactBody('la-quiet');
    const y = (await la('POST', '/api/v1/contacts', body)).json().id as string;
    await log(y, '2026-11-20T20:00');
    const quiet = async (before: string) => ((await la('GET', `/api/v1/contacts?search=${encodeURIComponent(body.email)}&lastContactedBefore=${before}`)).json().data as Row[]).map((c) => c.id);
    expect(await quiet('2026-11-21')).toEqual([y]);
    expect(await quiet('2026-11-20')).toEqual([]);
    expect(await quiet('2026-11-20T21:00')).toEqual([y]);

    const z = await newContact(la, 'la-due-list');
    const fu = async (dueAt: string) => (await la('POST', '/api/v1/follow-ups', { contactId: z, title: dueAt, dueAt })).json().id as string;
    const evening = await fu('2026-12-03T23:00'); // 07:00Z on the 4th
    await fu('2026-12-04T01:00');
    const dueBy = async (dueBefore: string) => {
      const res = await la('GET', `/api/v1/follow-ups?scope=due&contactId=${z}&dueBefore=${dueBefore}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().data as Row[]).map((r) => r.id);
    };
    expect(await dueBy('2026-12-03')).toEqual([evening]);
    expect(await dueBy('2026-12-04T00:30')).toEqual([evening]);
  });

  it("reads report and metric periods in the tenant's zone: a date-only end includes its day", async () => {
    const metrics = await akl('GET', '/api/v1/metrics?start=2026-11-20&end=2026-11-20&groups=activity');
    expect(metrics.statusCode, metrics.body.slice(0, 300)).toBe(200);
    expect(metrics.json().period).toEqual({ start: '2026-11-19T11:00:00.000Z', end: '2026-11-20T11:00:00.000Z' });
    // `end` alone: the 30 local days that end with it (1–30 November in Auckland), not 30 × 24 h before UTC midnight
    const endOnly = await akl('GET', '/api/v1/metrics?end=2026-11-30&groups=activity');
    expect(endOnly.statusCode, endOnly.body.slice(0, 300)).toBe(200);
    expect(endOnly.json().period).toEqual({ start: '2026-10-31T11:00:00.000Z', end: '2026-11-30T11:00:00.000Z' });
    const month = await akl('GET', '/api/v1/analytics/daily?end=2026-11-30');
    expect(month.statusCode, month.body.slice(0, 300)).toBe(200);
    const days = (month.json().points as Row[]).map((p) => p.day);
    expect([days.length, days[0], days.at(-1)]).toEqual([30, '2026-11-01', '2026-11-30']);
    const report = await akl('POST', '/api/v1/reports', { type: 'USER_ACTIVITY', dateRange: { start: '2026-11-01', end: '2026-11-30' } });
    expect(report.statusCode, report.body.slice(0, 300)).toBe(200);
    expect(report.json().dateRange).toEqual({ start: '2026-10-31T11:00:00.000Z', end: '2026-11-30T11:00:00.000Z' });
    expect(report.json().name).toMatch(/2026-11-01 – 2026-11-30$/);
    const daily = await la('GET', '/api/v1/analytics/daily?start=2026-11-20T00:00&end=2026-11-22');
    expect(daily.statusCode, daily.body.slice(0, 300)).toBe(200);
    expect((daily.json().points as Row[]).map((p) => p.day)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22']);
  });

  it('reads the dates of a CSV import in the tenant\'s zone, keeping an explicit Z or offset', async () => {
    const csv =
      'First Name,Last Name,Email,Created Date,Last Contacted\n' +
      'Ana,Tzimport,ana.tz@example.com,2026-11-20,2026-11-20 23:30\n' +
      'Ben,Tzimport,ben.tz@example.com,21/11/2026,2026-11-21T06:00:00Z\n';
    const imported = await la('POST', '/api/v1/contacts/import', csv, { 'content-type': 'text/csv' });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toMatchObject({ created: 2, failed: 0 });
    const listed = async (query = '') => (await la('GET', `/api/v1/contacts?search=tzimport&sort=createdAt&order=asc${query}`)).json().data as Row[];
    expect((await listed()).map((c) => [c.email, c.createdAt, c.lastContactDate])).toEqual([
      ['ana.tz@example.com', '2026-11-20T08:00:00.000Z', '2026-11-21T07:30:00.000Z'],
      ['ben.tz@example.com', '2026-11-21T08:00:00.000Z', '2026-11-21T06:00:00.000Z'],
    ]);
    // created on or after 21 November in Los Angeles
    expect((await listed('&createdAfter=2026-11-21')).map((c) => c.email)).toEqual(['ben.tz@example.com']);
    // created before 21 November there (exclusive: the day starts the range it ends), the assistant's "new leads last week"
    expect((await listed('&createdBefore=2026-11-21')).map((c) => c.email)).toEqual(['ana.tz@example.com']);
    expect((await listed('&createdAfter=2026-11-20&createdBefore=2026-11-22')).map((c) => c.email)).toEqual(['ana.tz@example.com', 'ben.tz@example.com']);
    const inverted = await la('GET', '/api/v1/contacts?createdAfter=2026-11-22&createdBefore=2026-11-21');
    expect(inverted.statusCode).toBe(400);
    expect(inverted.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: expect.stringMatching(/createdBefore$/), reason: 'must be later than createdAfter' })] });

    const activity = 'Email,Type,Date,Follow Up Date,Notes\nana.tz@example.com,PHONE_CALL,2026-11-22 09:15,2026-12-05,called\n';
    const done = await la('POST', '/api/v1/interactions/import', activity, { 'content-type': 'text/csv' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ created: 1, failed: 0 });
    const ana = (await listed())[0].id as string;
    const rows = (await la('GET', `/api/v1/interactions?contactId=${ana}`)).json().data as Row[];
    expect(rows.map((r) => [r.createdAt, r.scheduledFollowUp])).toEqual([['2026-11-22T17:15:00.000Z', '2026-12-05T08:00:00.000Z']]);
  });

  it('reads GraphQL DateTime arguments as REST does', async () => {
    const gql = async (query: string) => (await la('POST', '/graphql', { query })).json() as { data?: Record<string, Row>; errors?: unknown[] };
    const res = await gql('query { analytics(dateRange: { start: "2026-11-20", end: "2026-11-20" }, metrics: [ACTIVITY]) { dateRange { start end } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data?.analytics.dateRange).toEqual({ start: '2026-11-20T08:00:00.000Z', end: '2026-11-21T08:00:00.000Z' });
    const bad = await gql('query { analytics(dateRange: { start: "01/11/2026", end: "2026-11-20" }, metrics: [ACTIVITY]) { dateRange { start } } }');
    expect(JSON.stringify(bad.errors)).toMatch(/must be an ISO 8601 date/);
    // createdBefore as REST reads it: before 21 November in Los Angeles (the CSV test above imported both)
    const before = await gql('query { contacts(filter: { search: "tzimport", createdBefore: "2026-11-21" }) { edges { node { email } } } }');
    expect(before.errors).toBeUndefined();
    expect((before.data?.contacts.edges as { node: Row }[]).map((e) => e.node.email)).toEqual(['ana.tz@example.com']);
  });

  it("answers the offline assistant's \"yesterday\" with the tenant's yesterday", async () => {
    const res = await akl('POST', '/api/v1/chat', { message: 'how many interactions did the team log yesterday?' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const call = (res.json().toolCalls as { tool: string; args: { date_range: { start: string; end: string } } }[]).find((c) => c.tool === 'get_metrics');
    expect(call, res.body.slice(0, 500)).toBeDefined();
    const { start, end } = call!.args.date_range;
    const wall = (iso: string) =>
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
    // midnight to midnight in Auckland (was UTC's: 13:00 to 13:00 there)
    expect(wall(start)).toMatch(/, 00:00$/);
    expect(wall(end)).toMatch(/, 00:00$/);
    expect(wall(end).slice(0, 10)).toBe(wall(new Date().toISOString()).slice(0, 10));
  });
});

describe.each(testDbKinds())("dates in the tenant's time zone over MCP (Streamable HTTP, a real SDK client) on %s", { timeout: 300_000 }, (kind) => {
  let h: RestHarness;
  let base: string;
  let server: FastifyInstance;
  beforeAll(async () => {
    h = await openRestHarness(kind);
    await h.t.db.withTenant(h.b.tenantId, (em) => em.execute(`UPDATE tenants SET time_zone = 'America/Los_Angeles' WHERE id = crm_current_tenant()`));
    server = h.server;
    base = await server.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);
  afterAll(() => h.close());

  it('create_follow_up, list_follow_ups and log_interaction read dates as REST does', async () => {
    const client = new Client({ name: 'tz-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp/crm`), { requestInit: { headers: { authorization: `Bearer ${h.b.apiKeys.admin}` } } }));
    try {
      const data = async (name: string, args: Row) => {
        const res = (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent?: Row; content: { text: string }[] };
        expect(res.isError, res.content[0]?.text).toBeFalsy();
        return res.structuredContent as Row;
      };
      const contact = (await h.call('admin', 'POST', '/api/v1/contacts', contactBody('mcp-la'), {}, h.b)).json().id as string;
      const made = await data('create_follow_up', { contactId: contact, title: 'Call back', dueAt: '2026-12-03' });
      expect(made.dueAt).toBe('2026-12-03T08:00:00.000Z');
      const listed = await data('list_follow_ups', { scope: 'due', contactId: contact, dueBefore: '2026-12-03' });
      expect((listed.followUps as Row[]).map((f) => f.id)).toEqual([made.id]);
      expect((await data('list_follow_ups', { scope: 'due', contactId: contact, dueBefore: '2026-12-02' })).followUps).toEqual([]);
      const logged = await data('log_interaction', { contactId: contact, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', content: 'n', occurredAt: '2026-11-20T20:00' });
      expect(logged.createdAt).toBe('2026-11-21T04:00:00.000Z');
    } finally {
      await client.close();
    }
  });

  it("save_report reads its period in the tenant's zone (a date-only end includes its day)", async () => {
    const client = new Client({ name: 'tz-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp/insights`), { requestInit: { headers: { authorization: `Bearer ${h.b.apiKeys.manager}` } } }));
    try {
      const res = (await client.callTool({ name: 'save_report', arguments: { kind: 'tz_digest', slot_key: 'w48', title: 'Week 48', period: { start: '2026-11-23', end: '2026-11-29' }, body: 'text' } })) as {
        isError?: boolean;
        structuredContent?: { report: Row };
        content: { text: string }[];
      };
      expect(res.isError, res.content[0]?.text).toBeFalsy();
      // Monday to Sunday in Los Angeles; was UTC midnights, and an offset-less time the server's zone
      expect(res.structuredContent!.report).toMatchObject({ periodStart: '2026-11-23T08:00:00.000Z', periodEnd: '2026-11-30T08:00:00.000Z' });
    } finally {
      await client.close();
    }
  });
});
