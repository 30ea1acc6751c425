import { testDbKinds } from '@crm/core/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, derefSchema, openRestHarness, workflowBody, type RestHarness } from './rest-test.fixture.ts';

describe.each(testDbKinds())('REST /api/v1 on %s', (kind) => {
  let h: RestHarness;
  let contactId: string;
  beforeAll(async () => {
    h = await openRestHarness(kind);
    const res = await h.call('manager', 'POST', '/api/v1/contacts', { ...contactBody('base'), company: 'Northbridge' });
    contactId = res.json().id;
  });
  afterAll(() => h.close());

  type Envelope = { error: { code: string; message: string; details: { path: string; reason: string }[] }; meta: { retryAfter: number } };
  const expectEnvelope = (res: { statusCode: number; json(): unknown }, status: number, code: string) => {
    expect(res.statusCode).toBe(status);
    const body = res.json() as Envelope;
    expect(body.error).toMatchObject({ code, path: expect.any(String), traceId: expect.any(String), timestamp: expect.any(String) });
    expect(JSON.stringify(body)).not.toMatch(/\bat .*\.ts:\d+|SELECT |INSERT /);
    return body;
  };

  describe('contacts', () => {
    it('contact by id and contact lists: the body is JSON.stringify of what core returns, with helmet\'s headers', async () => {
      const created = await h.call('manager', 'POST', '/api/v1/contacts', {
        ...contactBody('json'),
        firstName: 'Zoë "Q"',
        lastName: 'Ünïcødé\\ 😀 </script>',
        phone: '+44 20 7946 0000',
        company: 'Northbridge',
        customFields: { tier: 'gold', seats: 12, tags: ['a', 'b'], nested: { ok: true, none: null } },
        metadata: { referrer: 'https://example.com/?a=1&b="2"' },
      });
      const id = created.json().id as string;
      const byId = await h.call('manager', 'GET', `/api/v1/contacts/${id}`);
      expect(byId.statusCode).toBe(200);
      expect(byId.body).toBe(JSON.stringify(await h.core.contacts.get(h.a.manager, id)));
      for (const query of ['search=northbridge&limit=2', 'limit=100', 'page=999', 'status=LEAD&sort=lastName&order=asc']) {
        const list = await h.call('manager', 'GET', `/api/v1/contacts?${query}`);
        expect(list.statusCode).toBe(200);
        const q = Object.fromEntries(new URLSearchParams(query));
        expect(list.body, query).toBe(JSON.stringify(await h.core.contacts.list(h.a.manager, q)));
      }
      // the precomputed security headers are the ones helmet sets on a response
      const res = { headers: new Map<string, string>(), setHeader(n: string, v: string) { this.headers.set(n.toLowerCase(), v); }, removeHeader(n: string) { this.headers.delete(n.toLowerCase()); } };
      helmet()({} as never, res as never, () => {});
      expect(res.headers.size).toBeGreaterThan(10);
      for (const [name, value] of res.headers) expect(byId.headers[name], name).toBe(value);
    });

    it('create → 201 with Location, get, patch, status, delete → 204 then 404', async () => {
      const created = await h.call('manager', 'POST', '/api/v1/contacts', { ...contactBody(1), phone: '+44 20 7946 0000' });
      expect(created.statusCode).toBe(201);
      const c = created.json();
      expect(created.headers.location).toBe(`/api/v1/contacts/${c.id}`);
      expect(c).toMatchObject({ status: 'LEAD', tenantId: h.a.tenantId });
      expect((await h.call('rep', 'GET', created.headers.location as string)).json().email).toBe(c.email);
      const patched = await h.call('manager', 'PATCH', `/api/v1/contacts/${c.id}`, { company: 'Acme', phone: null });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ company: 'Acme', phone: null });
      const status = await h.call('manager', 'POST', `/api/v1/contacts/${c.id}/status`, { status: 'PROSPECT', reason: 'demo booked' });
      expect(status.json().status).toBe('PROSPECT');
      const del = await h.call('manager', 'DELETE', `/api/v1/contacts/${c.id}`);
      expect(del.statusCode).toBe(204);
      expectEnvelope(await h.call('manager', 'GET', `/api/v1/contacts/${c.id}`), 404, 'NOT_FOUND');
      const audit = (await h.call('admin', 'GET', `/api/v1/audit-log?entityId=${c.id}`)).json();
      expect(audit.data.map((e: { action: string }) => e.action)).toContain('contact.deleted');
    });

    it('lists with page/limit ≤ 100, search, status and leadScoreMin, in the design document shape', async () => {
      for (let i = 0; i < 3; i++) await h.call('admin', 'POST', '/api/v1/contacts', { ...contactBody(`zebra${i}`), company: 'Zebra Ltd' });
      const res = await h.call('rep', 'GET', '/api/v1/contacts?search=zebra&limit=2&page=1&status=LEAD&leadScoreMin=0');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data).toHaveLength(2);
      expect(body.pagination).toEqual({ page: 1, limit: 2, totalPages: 2, hasNextPage: true, hasPreviousPage: false });
      expect(body.totalCount).toBe(3);
      const page2 = (await h.call('rep', 'GET', '/api/v1/contacts?search=zebra&limit=2&page=2')).json();
      expect(page2.data).toHaveLength(1);
      const tooBig = expectEnvelope(await h.call('rep', 'GET', '/api/v1/contacts?limit=101'), 400, 'VALIDATION_FAILED');
      expect(tooBig.error.details).toEqual([{ path: 'query.limit', reason: 'must be at most 100' }]);
      const unknown = expectEnvelope(await h.call('rep', 'GET', '/api/v1/contacts?colour=red'), 400, 'VALIDATION_FAILED');
      expect(unknown.error.details[0].path).toBe('query.colour');
    });

    it('validation errors are the envelope with field-level details', async () => {
      const res = await h.call('manager', 'POST', '/api/v1/contacts', { firstName: '', lastName: 'X', email: 'not-an-email' });
      const body = expectEnvelope(res, 400, 'VALIDATION_FAILED');
      expect(body.error.details).toEqual(
        expect.arrayContaining([
          { path: 'body.firstName', reason: 'firstName is required' },
          { path: 'body.email', reason: 'must be a valid email address' },
        ]),
      );
      expectEnvelope(await h.call('manager', 'GET', '/api/v1/contacts/not-a-uuid'), 400, 'VALIDATION_FAILED');
      const dup = await h.call('manager', 'POST', '/api/v1/contacts', { firstName: 'A', lastName: 'B', email: (await h.call('manager', 'GET', `/api/v1/contacts/${contactId}`)).json().email });
      expect(expectEnvelope(dup, 409, 'CONFLICT').error.details[0].path).toBe('email');
      const bad = await h.server.inject({ method: 'POST', url: '/api/v1/contacts', headers: { authorization: `Bearer ${h.a.apiKeys.admin}`, 'content-type': 'application/json' }, payload: '{"firstName":' });
      expectEnvelope(bad, 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['tenantId', () => ({ tenantId: h.b.tenantId }), 'body.tenantId'],
      ['leadScore', () => ({ leadScore: 99 }), 'body.leadScore'],
      ['id', () => ({ id: '00000000-0000-4000-8000-000000000000' }), 'body.id'],
      ['createdAt', () => ({ createdAt: '2020-01-01T00:00:00Z' }), 'body.createdAt'],
      ["another tenant's owner", () => ({ assignedTo: h.b.admin.userId }), 'body.assignedTo'],
    ])('mass assignment of %s is refused with 400 naming the field (create and patch)', async (_label, extra, path) => {
      const create = await h.call('admin', 'POST', '/api/v1/contacts', { ...contactBody('mass'), ...extra() });
      expect(expectEnvelope(create, 400, 'VALIDATION_FAILED').error.details.map((d: { path: string }) => d.path)).toContain(path);
      const patch = await h.call('admin', 'PATCH', `/api/v1/contacts/${contactId}`, extra());
      expect(expectEnvelope(patch, 400, 'VALIDATION_FAILED').error.details.map((d: { path: string }) => d.path)).toContain(path);
      expect((await h.call('admin', 'GET', `/api/v1/contacts/${contactId}`)).json().leadScore).not.toBe(99);
    });

    it('timeline, interactions and follow-ups', async () => {
      const logged = await h.call('manager', 'POST', '/api/v1/interactions', { contactId, type: 'MEETING', channel: 'IN_PERSON', direction: 'OUTBOUND', content: 'Kick-off' });
      expect(logged.statusCode).toBe(201);
      const timeline = (await h.call('manager', 'GET', `/api/v1/contacts/${contactId}/interactions?type=MEETING`)).json();
      expect(timeline.data.map((i: { id: string }) => i.id)).toContain(logged.json().id);
      expect(timeline.contact.id).toBe(contactId);
      const list = (await h.call('manager', 'GET', `/api/v1/interactions?contactId=${contactId}&limit=1`)).json();
      expect(list.data).toHaveLength(1);
      expectEnvelope(await h.call('manager', 'GET', '/api/v1/interactions?direction=SIDEWAYS'), 400, 'VALIDATION_FAILED');
      const fu = await h.call('manager', 'POST', '/api/v1/follow-ups', { contactId, title: 'Send proposal', dueAt: '2031-01-01T09:00:00Z' });
      expect(fu.statusCode).toBe(201);
      const open = (await h.call('manager', 'GET', `/api/v1/follow-ups?contactId=${contactId}`)).json();
      expect(open.data.map((x: { id: string }) => x.id)).toContain(fu.json().id);
      const done = await h.call('manager', 'POST', `/api/v1/follow-ups/${fu.json().id}/complete`, { note: 'sent' });
      expect(done.json()).toMatchObject({ done: true });
      expectEnvelope(await h.call('manager', 'POST', `/api/v1/follow-ups/${contactId}/complete`, {}), 404, 'NOT_FOUND');
    });
  });

  describe('AI, insights, reports', () => {
    it('POST /ai/lead-scoring scores a stored contact or lead data; explanation, model, what-if', async () => {
      const stored = await h.call('rep', 'POST', '/api/v1/ai/lead-scoring', { contactId });
      expect(stored.statusCode).toBe(200);
      expect(stored.json()).toMatchObject({ score: expect.any(Number), confidence: expect.any(Number), factors: expect.any(Array) });
      const lead = await h.call('rep', 'POST', '/api/v1/ai/lead-scoring', { lead: { contact: { email: 'cto@bigco.com', position: 'CTO' }, interactions: [] } });
      expect(lead.statusCode).toBe(200);
      const neither = expectEnvelope(await h.call('rep', 'POST', '/api/v1/ai/lead-scoring', {}), 400, 'VALIDATION_FAILED');
      expect(neither.error.details[0]).toEqual({ path: 'body.contactId', reason: 'give either contactId or lead' });
      expect((await h.call('rep', 'GET', `/api/v1/ai/lead-scoring/contacts/${contactId}`)).json().explanation).toMatch(/Score \d+\/100/);
      expect((await h.call('rep', 'GET', '/api/v1/ai/lead-scoring/model')).json().source).toBe('rules');
      expect((await h.call('rep', 'POST', `/api/v1/ai/lead-scoring/contacts/${contactId}/what-if`, { count: 2 })).statusCode).toBe(200);
      const retrain = await h.call('manager', 'POST', '/api/v1/ai/lead-scoring/retrain', {});
      expect(retrain.json().status).toBe('cold_start');
      expectEnvelope(await h.call('rep', 'GET', '/api/v1/ai/lead-scoring/model/versions/7'), 404, 'NOT_FOUND');
    });

    it('metrics, analytics, insights, forecast, journey and reports (JSON, CSV, HTML)', async () => {
      expect((await h.call('marketing', 'GET', '/api/v1/metrics?groups=pipeline')).json().metrics).toBeDefined();
      const range = 'start=2024-01-01T00:00:00Z&end=2024-02-01T00:00:00Z';
      expect((await h.call('marketing', 'GET', `/api/v1/analytics/segments?${range}`)).statusCode).toBe(200);
      expect((await h.call('marketing', 'GET', `/api/v1/analytics/daily?${range}`)).json().points).toHaveLength(31);
      const badRange = expectEnvelope(await h.call('marketing', 'GET', '/api/v1/analytics/daily?start=2024-02-01T00:00:00Z&end=2024-01-01T00:00:00Z'), 400, 'VALIDATION_FAILED');
      expect(badRange.error.details[0].path).toBe('query.start');
      // /metrics hands start/end to the service as dateRange.start/end: its issues still name the query's field
      const badMetrics = expectEnvelope(await h.call('marketing', 'GET', '/api/v1/metrics?start=2024-02-01T00:00:00Z&end=2024-01-01T00:00:00Z'), 400, 'VALIDATION_FAILED');
      expect(badMetrics.error.details).toEqual([{ path: 'query.start', reason: 'start must be before end' }]);
      expect(badMetrics.error.message).toContain('— query.start: start must be before end');
      const longMetrics = expectEnvelope(await h.call('marketing', 'GET', '/api/v1/metrics?start=2020-01-01T00:00:00Z&end=2024-01-01T00:00:00Z'), 400, 'VALIDATION_FAILED');
      expect(longMetrics.error.details).toEqual([{ path: 'query.end', reason: expect.stringMatching(/^must span at most \d+ days$/) }]);
      // ownerId: one user's numbers (a manager), refused for a rep naming another, named when not a UUID
      const ofRep = await h.call('manager', 'GET', `/api/v1/metrics?groups=activity&ownerId=${h.a.rep.userId}`);
      expect(ofRep.statusCode, ofRep.body).toBe(200);
      expect(ofRep.json().scope).toBe('owner');
      expectEnvelope(await h.call('rep', 'GET', `/api/v1/metrics?ownerId=${h.a.otherRep.userId}`), 403, 'PERMISSION_DENIED');
      expect(expectEnvelope(await h.call('manager', 'GET', '/api/v1/metrics?ownerId=me'), 400, 'VALIDATION_FAILED').error.details).toEqual([{ path: 'query.ownerId', reason: 'must be a user id (UUID)' }]);
      expect((await h.call('marketing', 'POST', '/api/v1/insights', { types: ['TREND_ANALYSIS'] })).statusCode).toBe(200);
      // the fixture's rows are all from today (no complete day of history): a clear refusal, not a forecast of 0 (0–0)
      const anomalies = expectEnvelope(await h.call('marketing', 'POST', '/api/v1/insights/anomalies', { metric: 'new_contacts' }), 400, 'VALIDATION_FAILED');
      expect(anomalies.error.details[0]).toMatchObject({ path: 'date_range', reason: expect.stringMatching(/^needs at least 21 days with data, got 0/) });
      const forecast = expectEnvelope(await h.call('marketing', 'POST', '/api/v1/predictions/forecast', { horizon_days: 7 }), 400, 'VALIDATION_FAILED');
      expect(forecast.error.details[0]).toMatchObject({ path: 'body.history_days', reason: expect.stringMatching(/^needs at least 28 complete days of history/) });
      expect((await h.call('manager', 'GET', `/api/v1/contacts/${contactId}/journey`)).statusCode).toBe(200);
      const report = await h.call('marketing', 'POST', '/api/v1/reports', { type: 'SALES_PIPELINE' });
      expect(report.json()).toMatchObject({ type: 'SALES_PIPELINE', metrics: expect.any(Array) });
      const csv = await h.call('marketing', 'POST', '/api/v1/reports?format=csv', { type: 'LEAD_PERFORMANCE' });
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      expect(csv.body.split('\n')[0]).toMatch(/^key,group,name/);
      expectEnvelope(await h.call('marketing', 'POST', '/api/v1/reports', { type: 'NOPE' }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('workflows and executions', () => {
    it('create, get, update (version), activate/deactivate, dry-run, execute, executions', async () => {
      const created = await h.call('marketing', 'POST', '/api/v1/workflows', workflowBody('Onboarding'));
      expect(created.statusCode).toBe(201);
      const wf = created.json();
      expect(created.headers.location).toBe(`/api/v1/workflows/${wf.id}`);
      expect((await h.call('marketing', 'GET', '/api/v1/workflows')).json().data.map((w: { id: string }) => w.id)).toContain(wf.id);
      const updated = await h.call('marketing', 'PUT', `/api/v1/workflows/${wf.id}`, { ...workflowBody('Onboarding v2') });
      expect(updated.json().version).toBe(2);
      expect((await h.call('marketing', 'GET', `/api/v1/workflows/${wf.id}/versions/1`)).json().name).toBe('Onboarding');
      expectEnvelope(await h.call('marketing', 'GET', `/api/v1/workflows/${wf.id}/versions/9`), 404, 'NOT_FOUND');
      expect((await h.call('marketing', 'POST', `/api/v1/workflows/${wf.id}/activate`)).json().isActive).toBe(true);
      expect((await h.call('marketing', 'POST', `/api/v1/workflows/${wf.id}/dry-run`, { days: 7 })).json()).toMatchObject({ triggerType: 'MANUAL' });
      expect((await h.call('marketing', 'POST', '/api/v1/workflows/dry-run', { definition: workflowBody() })).statusCode).toBe(200);
      const run = await h.call('admin', 'POST', `/api/v1/workflows/${wf.id}/execute`, { contactId });
      expect(run.statusCode).toBe(202);
      const execution = run.json();
      expect((await h.call('marketing', 'GET', `/api/v1/executions/${execution.id}`)).json().id).toBe(execution.id);
      expect((await h.call('marketing', 'GET', `/api/v1/workflows/${wf.id}/executions`)).json().totalCount).toBe(1);
      expect((await h.call('marketing', 'GET', `/api/v1/executions?workflowId=${wf.id}`)).json().data).toHaveLength(1);
      // a queued (not failed) execution has no step to complete by hand: 409 with the reason
      const early = await h.call('marketing', 'POST', `/api/v1/executions/${execution.id}/steps/first/complete`, { output: { done: true } });
      expectEnvelope(early, 409, 'CONFLICT');
      expect(early.json().error.message).toContain('only a failed execution');
      expect((await h.call('marketing', 'POST', `/api/v1/workflows/${wf.id}/deactivate`)).json().isActive).toBe(false);
      const invalid = await h.call('marketing', 'POST', '/api/v1/workflows', { ...workflowBody(), steps: [{ id: 'x', name: 'x', type: 'CREATE_TASK', config: {} }] });
      expectEnvelope(invalid, 400, 'VALIDATION_FAILED');
      const templates = (await h.call('marketing', 'GET', '/api/v1/workflows/templates')).json().data;
      expect(templates.length).toBeGreaterThan(0);
      const installed = await h.call('marketing', 'POST', `/api/v1/workflows/templates/${templates[0].key}/install`, {});
      expect(installed.statusCode).toBe(201);
    });
  });

  describe('knowledge base', () => {
    it('add (text and base64), list, get, search, delete', async () => {
      const text = '# Refund policy\n\nCustomers may ask for a refund within 30 days of purchase.';
      const added = await h.call('admin', 'POST', '/api/v1/knowledge/documents', { filename: 'refunds.md', content: text });
      expect(added.statusCode).toBe(201);
      const docId = added.json().document.id;
      const again = await h.call('admin', 'POST', '/api/v1/knowledge/documents', { filename: 'refunds.md', contentBase64: Buffer.from(text).toString('base64') });
      expect(again.statusCode).toBe(200);
      expect(again.json().status).toBe('unchanged');
      expect((await h.call('rep', 'GET', '/api/v1/knowledge/documents')).json().data.map((d: { id: string }) => d.id)).toContain(docId);
      expect((await h.call('rep', 'GET', `/api/v1/knowledge/documents/${docId}`)).json().text).toMatch(/refund/);
      const hits = (await h.call('rep', 'POST', '/api/v1/knowledge/search', { query: 'refund within 30 days', mode: 'fulltext' })).json();
      expect(hits.results[0].uri).toBe(`crm://kb/${docId}`);
      expect((await h.call('rep', 'GET', '/api/v1/knowledge/search?query=refund&mode=fulltext')).json().results.length).toBeGreaterThan(0);
      expectEnvelope(await h.call('rep', 'POST', '/api/v1/knowledge/documents', { filename: 'x.md', content: 'x' }), 403, 'PERMISSION_DENIED');
      expectEnvelope(await h.call('admin', 'POST', '/api/v1/knowledge/documents', { filename: 'x.md' }), 400, 'VALIDATION_FAILED');
      // the service's "no text" names the body field it came in, not its own `bytes`
      const blank = await h.call('admin', 'POST', '/api/v1/knowledge/documents', { filename: 'blank.md', content: '  \n' });
      expect(blank.json().error.details.map((d: { path: string }) => d.path)).toEqual(['body.content']);
      const notPdf = await h.call('admin', 'POST', '/api/v1/knowledge/documents', { filename: 'x.pdf', contentBase64: Buffer.from('not a pdf').toString('base64') });
      expect(notPdf.json().error.details.map((d: { path: string }) => d.path)).toEqual(['body.contentBase64']);
      expect((await h.call('admin', 'DELETE', `/api/v1/knowledge/documents/${docId}`)).statusCode).toBe(204);
      expectEnvelope(await h.call('admin', 'DELETE', `/api/v1/knowledge/documents/${docId}`), 404, 'NOT_FOUND');
    });
  });

  describe('administration', () => {
    it('users, roles, permissions, API keys, audit log', async () => {
      const created = await h.call('admin', 'POST', '/api/v1/users', { email: `new${Date.now()}@x.test`, name: 'New Rep', role: 'SALES_REP' });
      expect(created.statusCode).toBe(201);
      const { user, apiKey } = created.json();
      expect((await h.server.inject({ method: 'GET', url: '/api/v1/permissions', headers: { authorization: `Bearer ${apiKey}` } })).json()).toMatchObject({ role: 'SALES_REP' });
      expect((await h.call('rep', 'GET', '/api/v1/users')).json().data.map((u: { id: string }) => u.id)).toContain(user.id);
      expect((await h.call('admin', 'PUT', `/api/v1/users/${user.id}/role`, { role: 'SALES_MANAGER' })).json().role).toBe('SALES_MANAGER');
      expectEnvelope(await h.call('admin', 'PUT', `/api/v1/users/${user.id}/role`, { role: 'SALES_MANAGER' }), 409, 'CONFLICT');
      expect((await h.call('rep', 'GET', '/api/v1/roles')).json().data).toHaveLength(4);
      const key = await h.call('admin', 'POST', '/api/v1/api-keys', { userId: user.id, name: 'ci' });
      expect(key.statusCode).toBe(201);
      const rotated = await h.call('admin', 'POST', `/api/v1/api-keys/${key.json().key.id}/rotate`, {});
      expect(rotated.json().revokedKeyId).toBe(key.json().key.id);
      expect((await h.call('admin', 'DELETE', `/api/v1/api-keys/${rotated.json().key.id}`)).json().status).toBe('revoked');
      expect((await h.call('admin', 'GET', `/api/v1/api-keys?userId=${user.id}&includeInactive=true`)).json().totalCount).toBe(3);
      expect((await h.call('admin', 'POST', `/api/v1/users/${user.id}/deactivate`)).json().status).toBe('deactivated');
      expect((await h.server.inject({ method: 'GET', url: '/api/v1/contacts', headers: { authorization: `Bearer ${apiKey}` } })).statusCode).toBe(401);
      const audit = (await h.call('admin', 'GET', '/api/v1/audit-log?entityType=user&limit=5')).json();
      expect(audit.data.length).toBeGreaterThan(0);
    });
  });

  describe('approvals', () => {
    it('lists, shows and decides approval requests; approving runs the action once; a second decision is a CONFLICT', async () => {
      const ran: string[] = [];
      h.core.approvals.setAgentActionExecutor(async (action) => {
        ran.push(action.tool);
        return { sent: true };
      });
      const file = (key: string) =>
        h.core.approvals.request(h.a.rep, {
          kind: 'agent_action',
          action: { tool: 'send_email', arguments: { to: 'dana@northwind.test', subject: key } },
          summary: `send_email ${key}`,
          risk: 'high',
          subject: { type: 'chat_thread', id: 'thread-rest' },
          idempotencyKey: `rest-${key}`,
        });
      const first = await file('one');
      const second = await file('two');
      const page = await h.call('rep', 'GET', '/api/v1/approvals?limit=1');
      expect(page.statusCode).toBe(200);
      expect(page.json().data.map((x: { id: string }) => x.id)).toEqual([second.id]);
      const next = page.json().next;
      const older = await h.call('rep', 'GET', `/api/v1/approvals?limit=1&beforeCreatedAt=${encodeURIComponent(next.beforeCreatedAt)}&beforeId=${next.beforeId}`);
      expect(older.json().data.map((x: { id: string }) => x.id)).toEqual([first.id]);
      expectEnvelope(await h.call('rep', 'GET', `/api/v1/approvals?beforeId=${first.id}`), 400, 'VALIDATION_FAILED');
      expectEnvelope(await h.call('manager', 'GET', `/api/v1/approvals/${first.id}`, undefined, {}, h.b), 404, 'NOT_FOUND');
      const noReason = await h.call('manager', 'POST', `/api/v1/approvals/${first.id}/decision`, { decision: 'reject' });
      expectEnvelope(noReason, 400, 'VALIDATION_FAILED');
      expect(JSON.stringify(noReason.json().error.details)).toContain('reason');
      const approved = await h.call('manager', 'POST', `/api/v1/approvals/${first.id}/decision`, { decision: 'approve', reason: 'fine' });
      expect(approved.statusCode).toBe(200);
      expect(approved.json()).toMatchObject({ id: first.id, status: 'approved' });
      expect(ran).toEqual(['send_email']);
      expectEnvelope(await h.call('manager', 'POST', `/api/v1/approvals/${first.id}/decision`, { decision: 'approve' }), 409, 'CONFLICT');
      expect(ran).toEqual(['send_email']);
      expect((await h.call('rep', 'GET', `/api/v1/approvals/${first.id}`)).json()).toMatchObject({ status: 'approved' });
      expect((await h.call('rep', 'GET', '/api/v1/approvals?status=approved')).json().data.map((x: { id: string }) => x.id)).toEqual([first.id]);
      h.core.approvals.setAgentActionExecutor(undefined);
    });
  });

  describe('idempotency', () => {
    const post = (key: string, body: unknown) => h.call('manager', 'POST', '/api/v1/contacts', body, { 'idempotency-key': key });

    it('same key + same body replays the first response (status, body, Location) without a second contact', async () => {
      const body = contactBody('idem');
      const first = await post('key-replay-1', body);
      expect(first.statusCode).toBe(201);
      const second = await post('key-replay-1', { lastName: body.lastName, email: body.email, firstName: body.firstName });
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.headers.location).toBe(first.headers.location);
      expect(second.json()).toEqual(first.json());
      const found = (await h.call('manager', 'GET', `/api/v1/contacts?search=${encodeURIComponent(body.email)}`)).json();
      expect(found.totalCount).toBe(1);
    });

    it('same key + different body → 422; the key of another tenant is a different key', async () => {
      expect((await post('key-422', contactBody('a'))).statusCode).toBe(201);
      const res = await post('key-422', contactBody('b'));
      expectEnvelope(res, 422, 'IDEMPOTENCY_KEY_REUSED');
      const other = await h.call('manager', 'POST', '/api/v1/contacts', contactBody('c'), { 'idempotency-key': 'key-422' }, h.b);
      expect(other.statusCode).toBe(201);
    });

    it('a duplicate while the first is still in progress → 409; errors are replayed too, 5xx are not kept', async () => {
      const body = contactBody('busy');
      const { requestFingerprint } = await import('@crm/core');
      const fp = requestFingerprint({ method: 'POST', path: '/api/v1/contacts', userId: h.a.manager.userId ?? null, body });
      expect((await h.core.idempotency.begin(h.a.manager, 'key-busy', fp)).state).toBe('started');
      const res = await post('key-busy', body);
      const env = expectEnvelope(res, 409, 'CONFLICT');
      expect(env.meta.retryAfter).toBe(1);
      expect(res.headers['retry-after']).toBe('1');
      const invalid = { firstName: 'A', lastName: 'B', email: (await h.call('manager', 'GET', `/api/v1/contacts/${contactId}`)).json().email };
      expect((await post('key-conflict', invalid)).statusCode).toBe(409);
      const replay = await post('key-conflict', invalid);
      expect(replay.statusCode).toBe(409);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expectEnvelope(await post('bad key with spaces', contactBody('s')), 400, 'VALIDATION_FAILED');
    });

    it('expired keys are purged and the key can be used again', async () => {
      const body = contactBody('old');
      expect((await post('key-expire', body)).statusCode).toBe(201);
      await h.t.db.withTenant(h.a.tenantId, (em) => em.execute("UPDATE idempotency_keys SET expires_at = now() - interval '1 minute' WHERE key = 'key-expire'"));
      expect(await h.core.idempotency.purgeExpired()).toBeGreaterThanOrEqual(1);
      const again = await post('key-expire', body);
      expect(again.statusCode).toBe(409); // a new request: the email exists now
      expect(again.headers['idempotent-replayed']).toBeUndefined();
    });
  });

  describe('platform', () => {
    it('401 envelope without a credential; /healthz, /readyz; security headers', async () => {
      const res = await h.call(null, 'GET', '/api/v1/contacts');
      expectEnvelope(res, 401, 'UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toMatch(/Bearer/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const health = await h.call(null, 'GET', '/healthz');
      expect(health.json().status).toBe('ok');
      // helmet's headers on success and error replies alike
      for (const r of [res, health]) {
        expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
        expect(r.headers['strict-transport-security']).toMatch(/max-age=\d+/);
        expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
      }
      const ready = await h.call(null, 'GET', '/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'ready', database: kind === 'pglite' ? 'pglite' : 'postgres' });
      expectEnvelope(await h.call('admin', 'GET', '/api/v1/nope'), 404, 'NOT_FOUND');
    });

    it('OpenAPI 3.1 is valid and lists every /api/v1 route; Swagger UI serves its own assets', async () => {
      const res = await h.call(null, 'GET', '/api/v1/openapi.json');
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toBe('3.1.0');
      const validator = new Validator();
      const result = await validator.validate(doc);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      const api = h.routes.filter((r) => r.url.startsWith('/api/v1/') && r.method !== 'HEAD' && !r.url.endsWith('/openapi.json'));
      expect(api.length).toBeGreaterThan(45);
      for (const r of api) {
        const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
        expect(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${path}`).toBeDefined();
      }
      expect(derefSchema<{ properties: object }>(doc, doc.paths['/api/v1/contacts'].post.requestBody.content['application/json'].schema).properties).not.toHaveProperty('leadScore');
      const ui = await h.call(null, 'GET', '/docs/');
      expect(ui.statusCode).toBe(200);
      expect(ui.body).toMatch(/swagger-ui/);
      expect((await h.call(null, 'GET', '/docs/json')).json().paths['/api/v1/contacts']).toBeDefined();
      expect((await h.call(null, 'GET', '/docs/static/swagger-ui-bundle.js')).statusCode).toBe(200);
    });
  });
});

describe('REST /api/v1 limits and CORS', () => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness('pglite', { rateLimit: { perKey: 3, perTenant: 1000, windowMs: 60_000 }, corsOrigins: ['https://app.example.com'] });
  });
  afterAll(() => h.close());

  it('the rate limit applies to /api/v1 with meta.retryAfter in the envelope', async () => {
    const codes: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await h.call('rep', 'GET', '/api/v1/contacts');
      codes.push(last.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 429]);
    const body = last!.json();
    expect(body.error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(body.meta.retryAfter).toBeGreaterThan(0);
    expect(last!.headers['retry-after']).toBe(String(body.meta.retryAfter));
  });

  it('CORS answers a configured origin (preflight and request) and no other', async () => {
    const preflight = await h.server.inject({
      method: 'OPTIONS',
      url: '/api/v1/contacts',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,idempotency-key' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/idempotency-key/);
    const res = await h.call('manager', 'GET', '/api/v1/contacts', undefined, { origin: 'https://app.example.com' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const foreign = await h.call('manager', 'GET', '/api/v1/contacts', undefined, { origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});
