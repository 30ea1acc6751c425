/**
 * Regressions of QA round 3b (REST as an API user): the retrain's held-out set, imported statuses
 * the tables do not know, customers' lead scores and line breaks inside CSV cells.
 */
import { seedDemoTenant } from '@crm/core';
import { seedBlendFavouringLeads, testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, type RestHarness } from './rest-test.fixture.ts';

const DAY = 86_400_000;

describe.each(testDbKinds())('QA round 3b regressions over REST on %s', { timeout: 300_000 }, (kind) => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness(kind);
  }, 120_000);
  afterAll(() => h.close());

  it('a retrain after importing older history holds out the imported outcomes the active model never saw', async () => {
    const now = Date.now();
    await seedBlendFavouringLeads(h.t.db, h.a.tenantId, { now, n: 600, seed: 1 });
    const first = await h.call('admin', 'POST', '/api/v1/ai/lead-scoring/retrain');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: 'activated', model: { version: 1 } });

    // history from the previous CRM: 200 outcomes closed a year before anything v1 learned from
    await seedBlendFavouringLeads(h.t.db, h.a.tenantId, { now: now - 400 * DAY, n: 200, seed: 2, offset: 600 });
    const second = await h.call('admin', 'POST', '/api/v1/ai/lead-scoring/retrain');
    expect(second.statusCode, second.body).toBe(200);
    const r = second.json();
    expect(r.reason).not.toMatch(/nothing unseen|stays active$/);
    expect(['activated', 'rejected']).toContain(r.status);
    expect(r.summary.labelled).toBe(800);
    expect(r.model).toMatchObject({ version: 2, decision: { comparedWith: 'v1' }, metrics: { holdoutRows: 200 } });
    expect(r.model.metrics.validation).toMatch(/on 600 outcomes v1 saw; held out the 200 recorded after it was trained$/);
    expect(r.model.decision.baselineHoldoutAuc).toEqual(expect.any(Number));
    expect(Date.parse(r.summary.seenUntil)).toBeGreaterThan(Date.parse(first.json().summary.seenUntil));

    // nothing recorded since v2 was stored (or v1 when v2 was rejected): nothing unseen now
    const third = await h.call('admin', 'POST', '/api/v1/ai/lead-scoring/retrain');
    expect(third.json()).toMatchObject({ status: r.status === 'activated' ? 'unchanged' : 'rejected' });
  });

  it('imports a row whose status maps to none of ours as LEAD, keeps the value in importedStatus and warns (not fails)', async () => {
    const csv = 'Person - Name,Person - Email - Work,Lead Status\nPia Label,pia@labels.example,VIP customer (Pipedrive label)\nOla Open,ola@labels.example,Contacted\n';
    const first = await h.call('admin', 'POST', '/api/v1/contacts/import', csv, { 'content-type': 'text/csv' });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ rows: 2, created: 2, failed: 0, errors: [] });
    expect(first.json().warnings).toEqual([
      { row: 2, path: 'status', reason: expect.stringMatching(/^unknown status "VIP customer \(Pipedrive label\)" kept as custom field importedStatus; a new contact is LEAD, an existing one keeps its status/) },
    ]);
    const pia = (await h.call('admin', 'GET', '/api/v1/contacts?search=pia@labels.example')).json().data[0];
    expect(pia).toMatchObject({ firstName: 'Pia', lastName: 'Label', status: 'LEAD', customFields: { importedStatus: 'VIP customer (Pipedrive label)' } });

    // an existing contact keeps its status; the new value is kept beside it
    expect((await h.call('admin', 'POST', `/api/v1/contacts/${pia.id}/status`, { status: 'CUSTOMER', reason: 'signed' })).statusCode).toBe(200);
    const again = await h.call('admin', 'POST', '/api/v1/contacts/import', csv.replace('VIP customer (Pipedrive label)', 'Gold'), { 'content-type': 'text/csv' });
    expect(again.json()).toMatchObject({ rows: 2, updated: 1, failed: 0, warnings: [{ row: 2, path: 'status' }] });
    expect((await h.call('admin', 'GET', `/api/v1/contacts/${pia.id}`)).json()).toMatchObject({ status: 'CUSTOMER', customFields: { importedStatus: 'Gold' } });
  });

  it('scores a customer as of the day it converted (lead scoring is about open leads), says so, and rescoring keeps it there', async () => {
    // tenant B has no model of its own (the first test trained A's on custom fields only): the rules score, recency counts
    const b = (method: 'GET' | 'POST', url: string, body?: unknown) => h.call('admin', method, url, body, {}, h.b);
    const day = (n: number) => new Date(Date.now() - n * DAY).toISOString();
    const make = async (n: string) => (await b('POST', '/api/v1/contacts', { firstName: 'Twin', lastName: n, email: `twin-${n}@engaged.example`, company: 'Engaged Ltd', position: 'CEO', source: 'referral' })).json().id as string;
    const [open, customer] = [await make('open'), await make('customer')];
    // the same busy month for both, over a year ago
    for (const id of [open, customer]) {
      for (const [type, channel, direction, ago] of [
        ['MEETING', 'IN_PERSON', 'OUTBOUND', 400],
        ['EMAIL', 'EMAIL', 'INBOUND', 395],
        ['MEETING', 'CHAT', 'OUTBOUND', 390],
        ['PHONE_CALL', 'PHONE', 'INBOUND', 385],
      ] as const) {
        const res = await b('POST', '/api/v1/interactions', { contactId: id, type, channel, direction, content: 'talk', occurredAt: day(ago) });
        expect(res.statusCode, res.body).toBe(201);
      }
    }
    expect((await b('POST', `/api/v1/contacts/${customer}/status`, { status: 'CUSTOMER', reason: 'signed' })).statusCode).toBe(200);
    // converted the day after that month, as the demo seed and imports write past conversions
    const closedAt = day(384);
    await h.t.db.withTenant(h.b.tenantId, (em) => em.execute('UPDATE contacts SET status_changed_at = ? WHERE id = ?', [closedAt, customer]));

    const score = async (id: string) => {
      const res = await b('POST', '/api/v1/ai/lead-scoring', { contactId: id });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const [lead, cust] = [await score(open), await score(customer)];
    expect(lead.closed).toBeUndefined();
    expect(Date.now() - Date.parse(lead.asOf)).toBeLessThan(DAY);
    expect(cust.asOf).toBe(closedAt);
    expect(cust.closed).toEqual({ status: 'CUSTOMER', since: closedAt, note: expect.stringMatching(/^a customer since \d{4}-\d{2}-\d{2}: lead scoring applies to open leads, so this is its score as of then/) });
    // a year of silence sinks the open lead; the customer keeps what it scored when it converted
    expect(cust.score).toBeGreaterThan(lead.score);

    const explained = (await b('GET', `/api/v1/ai/lead-scoring/contacts/${customer}`)).json();
    expect(explained.explanation).toMatch(/^A customer since \d{4}-\d{2}-\d{2}: .* Score \d+\/100/);
    expect(explained.result.score).toBe(cust.score);

    // the stored leadScore (rescoring) is the same as-of-close score, and stays there
    await h.core.scoring.rescoreTenant(h.b.admin);
    const stored = (await b('GET', `/api/v1/contacts/${customer}`)).json().leadScore;
    expect(Math.abs(stored - cust.score)).toBeLessThan(2);
    const again = await h.core.scoring.rescoreContact(h.b.tenantId, customer);
    expect(again).toMatchObject({ scored: 1, changed: 0 });
  });

  it('dry-run replays the demo history that was seeded without events (rows without events), without counting a row twice', async () => {
    const demo = await seedDemoTenant(h.core, { contacts: 300 });
    const key = demo.users.find((u) => u.role === 'ADMIN')!.apiKey;
    const api = (method: 'GET' | 'POST', url: string, body?: unknown) =>
      h.server.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { payload: body as object }) });
    const install = async (template: string) => {
      const res = await api('POST', `/api/v1/workflows/templates/${template}/install`);
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const dryRun = async (id: string) => {
      const res = await api('POST', `/api/v1/workflows/${id}/dry-run`, { days: 90, limit: 500 });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const webinar = await install('webinar-follow-up');
    const [{ n }] = await h.t.db.withTenant(demo.tenantId, (em) =>
      em.execute<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM interactions WHERE type = 'FORM_SUBMISSION' AND tags @> '["webinar"]'::jsonb AND created_at > now() - interval '90 days'`,
      ),
    );
    expect(n).toBeGreaterThan(0);
    const before = await dryRun(webinar);
    expect(before.eventsScanned).toBe(0);
    expect(before.rowsWithoutEvents).toBeGreaterThanOrEqual(n);
    expect(before.entered).toBe(n);
    expect(before.entries[0]).toMatchObject({ eventId: null, eventType: 'interaction.logged', fromTable: 'interactions' });
    expect(before.note).toMatch(/have no interaction.logged event \(history seeded or loaded without events\)/);

    // a live registration has its event: it is replayed once, from the event
    const contactId = before.entries[0].contactId as string;
    const logged = await api('POST', '/api/v1/interactions', { contactId, type: 'FORM_SUBMISSION', channel: 'WEBSITE', direction: 'INBOUND', subject: 'Registered', content: 'webinar', tags: ['webinar'] });
    expect(logged.statusCode, logged.body).toBe(201);
    const after = await dryRun(webinar);
    expect(after).toMatchObject({ eventsScanned: 1, rowsWithoutEvents: before.rowsWithoutEvents, entered: n + 1 });
    expect(after.entries.filter((e: { eventId: string | null }) => e.eventId !== null)).toHaveLength(1);

    // seeded conversions replay as status changes into CUSTOMER
    const onboardingId = await install('new-customer-onboarding');
    const onboarding = await dryRun(onboardingId);
    // the seed audits each closed deal at its close (no event): those into CUSTOMER within the window
    const [{ customers }] = await h.t.db.withTenant(demo.tenantId, (em) =>
      em.execute<{ customers: number }[]>(
        `SELECT count(*)::int AS customers FROM audit_log WHERE action = 'contact.status_changed' AND diff->'after'->>'status' = 'CUSTOMER' AND created_at > now() - interval '90 days'`,
      ),
    );
    expect(customers).toBeGreaterThan(2);
    expect(onboarding).toMatchObject({ eventsScanned: 0, entered: customers });
    expect(onboarding.entries[0]).toMatchObject({ eventId: null, eventType: 'contact.status_changed', fromTable: 'audit_log' });

    // a live conversion writes its audit row and its event: replayed once, from the event
    const [lead] = await h.t.db.withTenant(demo.tenantId, (em) => em.execute<{ id: string }[]>(`SELECT id FROM contacts WHERE status = 'PROSPECT' ORDER BY id LIMIT 1`));
    expect((await api('POST', `/api/v1/contacts/${lead.id}/status`, { status: 'CUSTOMER', reason: 'signed' })).statusCode).toBe(200);
    const live = await dryRun(onboardingId);
    expect(live).toMatchObject({ eventsScanned: 1, rowsWithoutEvents: onboarding.rowsWithoutEvents, entered: customers + 1 });
  });
});
