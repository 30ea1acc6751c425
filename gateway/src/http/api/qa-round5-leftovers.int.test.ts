/**
 * QA round 5's leftovers over REST: webhook workflows whose contact steps had no contact, rejected
 * step approvals under `onError: skip`, workflow versions without their number, `assignedTo=me`.
 */
import { signedHeaders } from '@crm/core';
import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, openRestHarness, type RestHarness } from './rest-test.fixture.ts';

describe.each(testDbKinds())('QA round 5 leftovers over REST on %s', { timeout: 300_000 }, (kind) => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness(kind);
  }, 120_000);
  afterAll(() => h.close());

  it("refuses a webhook body with no contact for a workflow whose steps need one (400, nothing runs), and finds the contact by the body's email", async () => {
    const created = await h.call('marketing', 'POST', '/api/v1/workflows', {
      name: 'Form: mail, then task',
      isActive: true,
      trigger: { type: 'WEBHOOK' },
      steps: [
        { id: 'thanks', name: 'Thanks', type: 'SEND_EMAIL', config: { to: '{{input.email}}', subject: 'Thanks', body: 'We will call you.' }, nextSteps: ['task'] },
        { id: 'task', name: 'Call', type: 'CREATE_TASK', config: { title: 'Call {{contact.firstName}}' } },
      ],
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id, webhookSecret } = created.json() as { id: string; webhookSecret: string };
    const post = (payload: unknown) => {
      const body = JSON.stringify(payload);
      return h.server.inject({ method: 'POST', url: `/api/v1/workflows/${id}/webhook`, payload: body, headers: { 'content-type': 'application/json', ...signedHeaders(webhookSecret, body) } });
    };
    const executions = async () => (await h.call('admin', 'GET', `/api/v1/workflows/${id}/executions`)).json().data as { id: string; contactId: string | null }[];

    // neither contactId nor email: refused before the thank-you mail goes out (it went, then the task failed)
    const none = await post({ name: 'Anonymous' });
    expect(none.statusCode, none.body).toBe(400);
    expect(none.json().error.details).toEqual([
      { path: 'body.contactId', reason: 'is required (or email, the address of an existing contact): step "task" (CREATE_TASK) needs a contact' },
    ]);
    // an address no contact has
    const stranger = await post({ email: 'Nobody@Example.com' });
    expect(stranger.statusCode, stranger.body).toBe(400);
    expect(stranger.json().error.details[0]).toMatchObject({ path: 'body.email', reason: expect.stringContaining('names no contact (nobody@example.com)') });
    expect(await executions()).toEqual([]);

    // the address of a contact (any case): that contact's execution
    const body = contactBody('webhook-email');
    const contact = (await h.call('admin', 'POST', '/api/v1/contacts', body)).json().id as string;
    const ok = await post({ email: body.email.toUpperCase() });
    expect(ok.statusCode, ok.body.slice(0, 400)).toBe(202);
    expect((await h.call('admin', 'GET', `/api/v1/executions/${ok.json().data.executionId}`)).json().contactId).toBe(contact);

    // a workflow with no contact step still runs without a contact, as before
    const mailOnly = await h.call('marketing', 'POST', '/api/v1/workflows', {
      name: 'Form: mail only',
      isActive: true,
      trigger: { type: 'WEBHOOK' },
      steps: [{ id: 'thanks', name: 'Thanks', type: 'SEND_EMAIL', config: { to: '{{input.email}}', subject: 'Thanks', body: 'x' } }],
    });
    const m = mailOnly.json() as { id: string; webhookSecret: string };
    const raw = JSON.stringify({ email: 'someone@new.example' });
    const started = await h.server.inject({ method: 'POST', url: `/api/v1/workflows/${m.id}/webhook`, payload: raw, headers: { 'content-type': 'application/json', ...signedHeaders(m.webhookSecret, raw) } });
    expect(started.statusCode, started.body).toBe(202);
  });

  it('GET /workflows/{id}/versions/{n} answers the definition with its version number and when it was saved, and OpenAPI documents them', async () => {
    const created = (await h.call('marketing', 'POST', '/api/v1/workflows', { name: 'Versioned', trigger: { type: 'MANUAL' }, steps: [{ id: 't', name: 'Task', type: 'CREATE_TASK', config: { title: 'Call' } }] })).json() as { id: string };
    await h.call('marketing', 'PUT', `/api/v1/workflows/${created.id}`, { name: 'Versioned 2', trigger: { type: 'MANUAL' }, steps: [{ id: 't', name: 'Task', type: 'CREATE_TASK', config: { title: 'Call again' } }] });
    for (const n of [1, 2]) {
      const res = await h.call('marketing', 'GET', `/api/v1/workflows/${created.id}/versions/${n}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ version: n, name: n === 1 ? 'Versioned' : 'Versioned 2', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    }
    const spec = (await h.server.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, { get?: { responses: Record<string, { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> }> } }> };
    const schema = spec.paths['/api/v1/workflows/{id}/versions/{version}'].get!.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(['version', 'createdAt', 'name', 'steps']));
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'createdAt']));
  });

  it('GET /contacts?assignedTo=me says what the filter expects (no filter of the API takes "me"), not zod\'s "Invalid UUID"', async () => {
    const res = await h.call('rep', 'GET', '/api/v1/contacts?assignedTo=me');
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.details).toEqual([{ path: 'query.assignedTo', reason: 'must be a user id (UUID)' }]);
    const own = await h.call('rep', 'GET', `/api/v1/contacts?assignedTo=${h.a.rep.userId}`);
    expect(own.statusCode, own.body).toBe(200);
  });
});
