import { randomUUID } from 'node:crypto';
import { testDbKinds, databaseOf } from '@crm/core/testing';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callToolData } from '../tools/call-tool.ts';
import { openAgentHarness, type AgentHarness } from '../testing/agent-harness.ts';
import { runDigestAgent, type DigestAgentReport } from './digest.agent.ts';

const DAY = 86_400_000;
// a fixed week: Monday 16 Nov 2026 07:00 UTC → Monday 23 Nov 2026 07:00 UTC
const END = new Date('2026-11-23T07:00:00Z');
const START = new Date(END.getTime() - 7 * DAY);
const at = (iso: string) => new Date(iso).toISOString();

describe.each(testDbKinds())('weekly pipeline digest agent through the MCP tools, on %s', { timeout: 300_000 }, (kind) => {
  let h: AgentHarness;
  let manager: Client;
  let first: DigestAgentReport;
  const clientFor = async () => h.mcpClientFactory(await h.core.users.systemActor(h.f.tenantId, { via: 'agent:digest' }));
  const mails = async () =>
    (await databaseOf(h.core.db).asWorker((c) => c.query<{ to_address: string; subject: string; body: string }>('SELECT to_address, subject, body FROM mailbox_messages WHERE tenant_id = $1 ORDER BY to_address', [h.f.tenantId]))).rows;

  beforeAll(async () => {
    h = await openAgentHarness(kind);
    // explicit rows with fixed dates (the clock-seeded demo is no place for numeric assertions)
    const rows = [
      { name: 'Nia', status: 'LEAD', score: 85, created: '2026-11-17T10:00:00Z' }, // new this week, hot, never touched
      { name: 'Noah', status: 'LEAD', score: 40, created: '2026-11-18T10:00:00Z' },
      { name: 'Nell', status: 'LEAD', score: 20, created: '2026-11-19T10:00:00Z' },
      { name: 'Cara', status: 'CUSTOMER', score: 90, created: '2026-11-18T12:00:00Z' }, // new and converted this week
      { name: 'Omar', status: 'LEAD', score: 30, created: '2026-11-10T10:00:00Z' }, // the week before
      { name: 'Pia', status: 'PROSPECT', score: 75, created: '2026-10-01T10:00:00Z' }, // hot prospect, never touched
      { name: 'Pete', status: 'PROSPECT', score: 50, created: '2026-10-02T10:00:00Z' },
    ].map((r) => ({ id: randomUUID(), first_name: r.name, last_name: 'Fixture', email: `${r.name.toLowerCase()}@digest.test`, status: r.status, lead_score: r.score, created_at: at(r.created), updated_at: at(r.created) }));
    await databaseOf(h.core.db).withTenant(h.f.tenantId, (em) =>
      em.execute(
        `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, status, lead_score, created_at, updated_at)
         SELECT r.id, ?, r.first_name, r.last_name, r.email, r.status, r.lead_score, r.created_at, r.updated_at
         FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, first_name text, last_name text, email text, status text, lead_score int, created_at timestamptz, updated_at timestamptz)`,
        [h.f.tenantId, JSON.stringify(rows)],
      ),
    );
    await h.core.followUps.create(h.f.manager, { contactId: rows[1].id, title: 'Call Noah back', dueAt: new Date(Date.now() - 2 * DAY) });
    manager = await h.mcpClientFactory(h.f.manager);
    first = await runDigestAgent(clientFor, { periodEnd: END, slotKey: 'cron:2026-11-23T07:00:00.000Z', timeZone: 'Europe/London' });
  });
  afterAll(() => h?.close());

  it('every figure equals what the metrics, contact, follow-up and insights tools return for the same week', async () => {
    const range = { start: START.toISOString(), end: END.toISOString() };
    const m = await callToolData<{ metrics: { key: string; group: string; value: number; change?: number; trend: string; sampleSize: number }[] }>(manager, 'get_metrics', {
      date_range: range,
      groups: ['pipeline', 'conversion'],
    });
    const pipeline = m.metrics.filter((x) => x.group === 'pipeline').map((x) => ({ status: x.key.split('=')[1], count: x.value, change: x.change ?? null, trend: x.trend }));
    expect(first.figures.pipeline).toEqual(pipeline);
    const conv = m.metrics.find((x) => x.key === 'conversion_rate')!;
    expect(first.figures.newContacts).toBe(conv.sampleSize);
    expect(first.figures.conversionRate).toEqual({ value: conv.value, change: conv.change ?? null, trend: conv.trend, sampleSize: conv.sampleSize });
    // and the tools counted the fixture as written: 4 new contacts, one of them converted
    expect(first.figures.newContacts).toBe(4);
    expect(first.figures.conversionRate?.value).toBe(0.25);
    expect(Object.fromEntries(pipeline.map((p) => [p.status, p.count]))).toMatchObject({ LEAD: 4, PROSPECT: 2, CUSTOMER: 1 });

    for (const status of ['LEAD', 'PROSPECT']) {
      const s = await callToolData<{ contacts: { id: string }[]; totalCount: number }>(manager, 'search_contacts', {
        status,
        leadScoreMin: 70,
        lastContactedBefore: new Date(END.getTime() - 14 * DAY).toISOString(),
        sort: 'leadScore',
        order: 'desc',
        limit: 5,
      });
      const got = first.figures.hotLeadsQuiet.find((x) => x.status === status)!;
      expect(got.total).toBe(s.totalCount);
      expect(got.top.map((c) => c.id)).toEqual(s.contacts.map((c) => c.id));
    }
    expect(first.figures.hotLeadsQuiet.map((x) => [x.status, x.total])).toEqual([
      ['LEAD', 1],
      ['PROSPECT', 1],
    ]);
    const overdue = await callToolData<{ followUps: { id: string }[] }>(manager, 'list_follow_ups', { scope: 'overdue', limit: 100 });
    expect(first.figures.overdueFollowUps.count).toBe(overdue.followUps.length);
    expect(first.figures.overdueFollowUps.count).toBe(1);
    const ins = await callToolData<{ insights: { title: string }[] }>(manager, 'generate_insights', { time_period: { start: new Date(END.getTime() - 90 * DAY).toISOString(), end: END.toISOString() } });
    expect(first.figures.insights.map((i) => i.title)).toEqual(ins.insights.slice(0, 5).map((i) => i.title));

    // the text is the template over those figures
    expect(first.title).toBe('Weekly pipeline digest: 16 Nov 2026 – 23 Nov 2026');
    expect(first.body).toContain('- LEAD: 4 (');
    expect(first.body).toContain('New contacts this week: 4');
    expect(first.body).toContain("Converted to customer so far: 25.0% of the week's 4 new contacts");
    expect(first.body).toContain('Nia Fixture — score 85, last touch never');
    expect(first.body).toContain('Overdue follow-ups: 1');
    expect(first.body).toContain('- Call Noah back (due ');
    expect(first.body).toMatch(/no language model/);
  });

  it('is saved (listable later) and emailed once to the tenant\'s managers and admins; the same slot again mails nothing', async () => {
    expect(first.duplicate).toBe(false);
    const slug = (await h.core.tenants.list()).find((t) => t.id === h.f.tenantId)!.slug;
    const recipients = ['admin', 'manager', 'marketing'].map((k) => `${k}@${slug}.test`);
    expect(first.emailed).toEqual(recipients);
    const listed = await callToolData<{ reports: { id: string; kind: string; title: string; body: string; slotKey: string; createdVia: string; recipients: string[]; emailedAt: string }[] }>(manager, 'list_saved_reports', {
      kind: 'pipeline_digest',
    });
    expect(listed.reports).toHaveLength(1);
    expect(listed.reports[0]).toMatchObject({ id: first.reportId, title: first.title, body: first.body, slotKey: 'cron:2026-11-23T07:00:00.000Z', createdVia: 'agent:digest', recipients });
    expect(listed.reports[0].emailedAt).toEqual(expect.any(String));
    const got = await callToolData<{ data: { newContacts: number } }>(manager, 'get_saved_report', { id: first.reportId });
    expect(got.data.newContacts).toBe(4);

    const sent = await mails();
    expect(sent.map((x) => x.to_address)).toEqual(recipients);
    for (const mail of sent) expect(mail).toMatchObject({ subject: first.title, body: first.body });

    const again = await runDigestAgent(clientFor, { periodEnd: END, slotKey: 'cron:2026-11-23T07:00:00.000Z', timeZone: 'Europe/London' });
    expect(again).toMatchObject({ reportId: first.reportId, duplicate: true, emailed: [] });
    expect(await mails()).toHaveLength(3);
  });

  it('a sales rep can neither read nor save reports', async () => {
    const rep = await h.mcpClientFactory(h.f.rep);
    await expect(callToolData(rep, 'list_saved_reports', {})).rejects.toThrow(/list_saved_reports failed: .*(permission|not allowed)/i);
    await expect(
      callToolData(rep, 'save_report', { kind: 'pipeline_digest', slot_key: 'x', title: 'x', period: { start: START.toISOString(), end: END.toISOString() }, body: 'x', email_managers: true }),
    ).rejects.toThrow(/save_report failed/);
    expect(await mails()).toHaveLength(3);
  });
});
