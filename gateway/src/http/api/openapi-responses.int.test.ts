import { createMailboxTransport } from '@crm/core';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, openRestHarness, type RestHarness, type Who } from './rest-test.fixture.ts';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: { schemas: Record<string, object> };
};

/**
 * What an integrator generating a client from /api/v1/openapi.json relies on: every answer the
 * server really gives has the shape the document states for its status (2XX by code, errors by
 * the 4XX range). Every GET route of the document is called with real rows behind it, plus the
 * main POST/PUT/PATCH routes and a few refusals.
 */
describe('REST answers match their OpenAPI response schemas', () => {
  let h: RestHarness;
  let doc: Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();
  const checkedGets = new Set<string>();
  const ids: Record<string, string> = {};

  /** Call, then validate the body against the document's schema for (template, method, status). */
  async function check(who: Who, method: 'GET' | 'POST' | 'PUT' | 'PATCH', template: string, url: string, body?: unknown): Promise<LightMyRequestResponse> {
    const res = await h.call(who, method, url, body);
    const op = doc.paths[template]?.[method.toLowerCase()];
    expect(op, `${method} ${template} is in the document`).toBeDefined();
    const status = String(res.statusCode);
    const response = op!.responses[status] ?? op!.responses[`${status[0]}XX`];
    expect(response, `${method} ${url} answered ${status}, which the document does not list: ${res.body.slice(0, 300)}`).toBeDefined();
    const schema = response!.content?.['application/json']?.schema;
    expect(schema, `${method} ${template} ${status} has a JSON schema`).toBeDefined();
    const key = `${method} ${template} ${status}`;
    let validate = compiled.get(key);
    // the named schemas' `$ref: "#/components/schemas/Contact"` resolve against the document's components
    if (!validate) compiled.set(key, (validate = ajv.compile({ ...schema!, components: doc.components })));
    const ok = validate(res.json());
    expect(ok ? [] : validate.errors, `${method} ${url} → ${status} differs from the document: ${res.body.slice(0, 400)}`).toEqual([]);
    if (method === 'GET') checkedGets.add(template);
    return res;
  }

  beforeAll(async () => {
    h = await openRestHarness('pglite');
    doc = (await h.call(null, 'GET', '/api/v1/openapi.json')).json();

    const contact = await h.call('manager', 'POST', '/api/v1/contacts', { ...contactBody('oas'), company: 'Acme', source: 'webinar', customFields: { plan: 'pro' } });
    ids.contact = contact.json().id;
    await h.call('manager', 'POST', '/api/v1/interactions', { contactId: ids.contact, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', subject: 'Pricing', content: 'What does the pro plan cost?' });
    const knowledge = await check('admin', 'POST', '/api/v1/knowledge/documents', '/api/v1/knowledge/documents', { filename: 'pricing.md', content: '# Pricing\n\nThe pro plan costs 49 a month.' });
    // the same document again: 200 unchanged, same shape
    await check('admin', 'POST', '/api/v1/knowledge/documents', '/api/v1/knowledge/documents', { filename: 'pricing.md', content: '# Pricing\n\nThe pro plan costs 49 a month.' });
    ids.document = knowledge.json().id ?? knowledge.json().document?.id;
    const schedule = await h.call('manager', 'POST', '/api/v1/reports/schedules', { name: 'Weekly', type: 'SALES_PIPELINE', schedule: { cron: '0 8 * * 1' }, recipients: ['boss@agency.test'] });
    ids.schedule = schedule.json().id;
    ids.savedReport = (
      await h.core.savedReports.save(h.a.manager, {
        kind: 'pipeline_digest',
        slotKey: '2026-W10',
        title: 'Pipeline digest, week 10',
        periodStart: '2026-03-02T00:00:00.000Z',
        periodEnd: '2026-03-09T00:00:00.000Z',
        body: 'New contacts: 1',
        data: { newContacts: 1 },
      })
    ).report.id;
    await createMailboxTransport(h.core.db).send({
      tenantId: h.a.tenantId,
      idempotencyKey: 'openapi-responses',
      from: 'crm@agency.test',
      to: 'boss@agency.test',
      subject: 'Report',
      body: 'See attached.',
      attachments: [{ filename: 'report.csv', contentType: 'text/csv', content: Buffer.from('a,b\n1,2\n') }],
    });
    ids.mail = (await h.call('manager', 'GET', '/api/v1/mailbox')).json().data[0].id;
    // 60 days of new contacts (as an import of history would leave them) so the forecast and anomalies have data
    await h.t.db.withTenant(h.a.tenantId, (em) =>
      em.execute(
        `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, status, created_at, updated_at)
         SELECT gen_random_uuid(), ?, 'Past', 'Lead ' || d, 'past' || d || '-' || n || '@oas.test', 'LEAD', now() - make_interval(days => d), now() - make_interval(days => d)
         FROM generate_series(1, 60) AS d, generate_series(1, 1 + d % 3) AS n`,
        [h.a.tenantId],
      ),
    );
    // a workflow filed for approval: the activation policy on, a manager activates
    await h.call('admin', 'PATCH', '/api/v1/settings', { workflowActivationRequiresApproval: true });
  }, 120_000);
  afterAll(() => h?.close());

  it('the main writes answer as documented', async () => {
    await check('manager', 'POST', '/api/v1/contacts', '/api/v1/contacts', { ...contactBody('oas2'), phone: '+44 20 7946 0000', metadata: { campaignId: 'c1' } });
    await check('manager', 'PATCH', '/api/v1/contacts/{id}', `/api/v1/contacts/${ids.contact}`, { position: 'Buyer' });
    await check('manager', 'POST', '/api/v1/contacts/{id}/status', `/api/v1/contacts/${ids.contact}/status`, { status: 'PROSPECT' });
    const twin = await check('manager', 'POST', '/api/v1/contacts', '/api/v1/contacts', contactBody('oas-twin'));
    await check('manager', 'POST', '/api/v1/contacts/merge', '/api/v1/contacts/merge', { primaryId: ids.contact, duplicateId: twin.json().id });
    await check('manager', 'POST', '/api/v1/interactions', '/api/v1/interactions', { contactId: ids.contact, type: 'CALL', channel: 'PHONE', direction: 'OUTBOUND', content: 'Called back' });
    const due = new Date(Date.now() + 86_400_000).toISOString();
    const followUp = await check('manager', 'POST', '/api/v1/follow-ups', '/api/v1/follow-ups', { contactId: ids.contact, title: 'Send the proposal', dueAt: due });
    await check('manager', 'POST', '/api/v1/follow-ups/{id}/complete', `/api/v1/follow-ups/${followUp.json().id}/complete`);
    await check('manager', 'POST', '/api/v1/ai/lead-scoring', '/api/v1/ai/lead-scoring', { contactId: ids.contact });
    await check('manager', 'POST', '/api/v1/ai/lead-scoring/retrain', '/api/v1/ai/lead-scoring/retrain', {});
    expect((await check('manager', 'POST', '/api/v1/insights', '/api/v1/insights', {})).statusCode).toBe(200);
    expect((await check('manager', 'POST', '/api/v1/predictions/forecast', '/api/v1/predictions/forecast', { metric: 'new_contacts' })).statusCode).toBe(200);
    expect((await check('manager', 'POST', '/api/v1/insights/anomalies', '/api/v1/insights/anomalies', { metric: 'new_contacts' })).statusCode).toBe(200);
    await check('manager', 'POST', '/api/v1/reports', '/api/v1/reports?format=json', { type: 'SALES_PIPELINE' });
    const sentNow = await check('manager', 'POST', '/api/v1/reports/schedules/{id}/run', `/api/v1/reports/schedules/${ids.schedule}/run`);
    expect(sentNow.json()).toMatchObject({ scheduleId: ids.schedule, status: 'succeeded', sent: 1 });
    await check('rep', 'POST', '/api/v1/knowledge/search', '/api/v1/knowledge/search', { query: 'pro plan price' });
    const steps = [{ id: 'task', name: 'Call', type: 'CREATE_TASK', config: { title: 'Call {{contact.firstName}}' } }];
    const created = await check('admin', 'POST', '/api/v1/workflows', '/api/v1/workflows', { name: 'Call new leads', trigger: { type: 'MANUAL' }, steps });
    ids.workflow = created.json().id;
    await check('admin', 'PUT', '/api/v1/workflows/{id}', `/api/v1/workflows/${ids.workflow}`, { name: 'Call new leads', trigger: { type: 'MANUAL' }, steps, tags: ['v2'] });
    await check('admin', 'POST', '/api/v1/workflows/{id}/dry-run', `/api/v1/workflows/${ids.workflow}/dry-run`, { days: 7 });
    // a marketing manager's activation is filed for approval (202), the admin's activates (200)
    const pending = await check('marketing', 'POST', '/api/v1/workflows/{id}/activate', `/api/v1/workflows/${ids.workflow}/activate`);
    expect(pending.statusCode).toBe(202);
    ids.approval = pending.json().activation.approvalId;
    expect((await check('admin', 'POST', '/api/v1/workflows/{id}/activate', `/api/v1/workflows/${ids.workflow}/activate`)).statusCode).toBe(200);
    const run = await check('admin', 'POST', '/api/v1/workflows/{id}/execute', `/api/v1/workflows/${ids.workflow}/execute`, { contactId: ids.contact });
    ids.execution = run.json().id;
    // cancel: a second run of the workflow, stopped before any worker took it
    const second = (await h.call('admin', 'POST', `/api/v1/workflows/${ids.workflow}/execute`, { contactId: ids.contact })).json().id;
    expect((await check('rep', 'POST', '/api/v1/executions/{id}/cancel', `/api/v1/executions/${second}/cancel`)).statusCode).toBe(403);
    const cancelled = await check('marketing', 'POST', '/api/v1/executions/{id}/cancel', `/api/v1/executions/${second}/cancel`, { reason: 'sent to the wrong list' });
    expect(cancelled.json()).toMatchObject({ id: second, status: 'cancelled', error: 'cancelled: sent to the wrong list' });
    const again = await check('marketing', 'POST', '/api/v1/executions/{id}/cancel', `/api/v1/executions/${second}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toBe(`Execution ${second} is cancelled: only a pending, running or waiting execution can be cancelled`);
    expect((await h.call('admin', 'GET', '/api/v1/executions?status=cancelled')).json().data.map((e: { id: string }) => e.id)).toEqual([second]);
    const hook = await check('admin', 'POST', '/api/v1/workflows', '/api/v1/workflows', { name: 'Inbound', trigger: { type: 'WEBHOOK' }, steps });
    expect(hook.json().webhookSecret).toMatch(/^whsec_/);
    await check('admin', 'POST', '/api/v1/workflows/{id}/webhook-secret', `/api/v1/workflows/${hook.json().id}/webhook-secret`);
    await check('admin', 'POST', '/api/v1/workflows/templates/{key}/install', '/api/v1/workflows/templates/hot-lead-alert/install');
  }, 120_000);

  it('refusals carry the documented error envelope', async () => {
    const missing = await check('manager', 'POST', '/api/v1/contacts', '/api/v1/contacts', { firstName: 'No email' });
    expect(missing.statusCode).toBe(400);
    expect((await check('rep', 'GET', '/api/v1/contacts/{id}', '/api/v1/contacts/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await check('rep', 'GET', '/api/v1/contacts', '/api/v1/contacts?limit=1000')).statusCode).toBe(400);
    expect((await check('rep', 'GET', '/api/v1/audit-log', '/api/v1/audit-log')).statusCode).toBe(403);
    checkedGets.clear(); // refusals do not count as a GET route's success below
  });

  it('every GET route of the document answers 200 with its documented shape', async () => {
    const get = async (template: string, url = template, who: Who = 'admin') => {
      const res = await check(who, 'GET', template, url);
      expect(res.statusCode, `GET ${url}: ${res.body.slice(0, 300)}`).toBe(200);
      return res;
    };
    await get('/api/v1/contacts', '/api/v1/contacts?limit=5&sort=createdAt&order=desc');
    // a pair that looks like one person, so the items are checked too
    for (const email of ['dana.dupe@one.test', 'd.dupe@two.test']) {
      await h.call('manager', 'POST', '/api/v1/contacts', { firstName: 'Dana', lastName: 'Dupe', email, phone: '+44 20 7946 0999', company: 'Dupe Ltd' });
    }
    const dupes = await get('/api/v1/contacts/duplicates');
    expect(dupes.json().data.length).toBeGreaterThan(0);
    await get('/api/v1/contacts/{id}', `/api/v1/contacts/${ids.contact}`);
    await get('/api/v1/contacts/{id}/interactions', `/api/v1/contacts/${ids.contact}/interactions`);
    await get('/api/v1/contacts/{id}/journey', `/api/v1/contacts/${ids.contact}/journey`);
    await get('/api/v1/interactions', '/api/v1/interactions?limit=5');
    await get('/api/v1/follow-ups');
    await get('/api/v1/ai/lead-scoring/model');
    // a tenant still on the rules has no stored version: the 404 envelope is checked, not a 200
    await check('admin', 'GET', '/api/v1/ai/lead-scoring/model/versions/{version}', '/api/v1/ai/lead-scoring/model/versions/1');
    checkedGets.add('/api/v1/ai/lead-scoring/model/versions/{version}');
    await get('/api/v1/ai/lead-scoring/contacts/{id}', `/api/v1/ai/lead-scoring/contacts/${ids.contact}`);
    await get('/api/v1/metrics');
    expect((await get('/api/v1/analytics/segments')).json().data.length).toBeGreaterThan(0);
    await get('/api/v1/analytics/daily');
    await get('/api/v1/reports/schedules');
    await get('/api/v1/reports/schedules/{id}', `/api/v1/reports/schedules/${ids.schedule}`);
    await get('/api/v1/saved-reports');
    await get('/api/v1/saved-reports/{id}', `/api/v1/saved-reports/${ids.savedReport}`);
    await get('/api/v1/workflows');
    await get('/api/v1/workflows/templates');
    await get('/api/v1/workflows/{id}', `/api/v1/workflows/${ids.workflow}`);
    await get('/api/v1/workflows/{id}/versions/{version}', `/api/v1/workflows/${ids.workflow}/versions/1`);
    await get('/api/v1/workflows/{id}/executions', `/api/v1/workflows/${ids.workflow}/executions`);
    await get('/api/v1/executions');
    await get('/api/v1/executions/{id}', `/api/v1/executions/${ids.execution}`);
    await get('/api/v1/triggers');
    await get('/api/v1/triggers/{workflowId}', `/api/v1/triggers/${ids.workflow}`);
    await get('/api/v1/mailbox');
    await get('/api/v1/mailbox/{id}', `/api/v1/mailbox/${ids.mail}`);
    await get('/api/v1/knowledge/documents');
    await get('/api/v1/knowledge/documents/{id}', `/api/v1/knowledge/documents/${ids.document}`);
    await get('/api/v1/knowledge/search', '/api/v1/knowledge/search?query=pro%20plan', 'rep');
    await get('/api/v1/approvals');
    await get('/api/v1/approvals/{id}', `/api/v1/approvals/${ids.approval}`);
    const users = await get('/api/v1/users');
    await get('/api/v1/users/{id}', `/api/v1/users/${users.json().data[0].id}`);
    await get('/api/v1/settings');
    await get('/api/v1/roles');
    await get('/api/v1/permissions');
    await get('/api/v1/api-keys');
    await get('/api/v1/audit-log', '/api/v1/audit-log?limit=20');
    // a rep's scoped answers have the same shapes
    await get('/api/v1/contacts', '/api/v1/contacts?limit=5', 'rep');
    await get('/api/v1/follow-ups', '/api/v1/follow-ups', 'rep');

    // the attachment is bytes, not JSON; every other GET route must have been called above
    const documented = Object.entries(doc.paths)
      .filter(([path, ops]) => ops.get && !path.includes('{filename}'))
      .map(([path]) => path);
    expect(documented.filter((p) => !checkedGets.has(p))).toEqual([]);
  }, 120_000);
});
