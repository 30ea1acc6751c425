import { createCrmCore, renderTemplate, signedHeaders, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';

const GLOBAL = 'inbound-webhook-secret-for-tests';
const SECRETS_KEY = 'ab'.repeat(32);

const webhookWorkflow = (name: string) => ({
  name,
  isActive: true,
  trigger: { type: 'WEBHOOK' as const, conditions: [{ field: 'input.form', operator: 'eq' as const, value: 'webinar' }] },
  steps: [{ id: 'mail', name: 'Mail', type: 'SEND_EMAIL' as const, config: { to: '{{input.email}}', subject: 'Thanks', body: 'x' } }],
});

describe.each(testDbKinds())('gateway: inbound workflow webhooks with per-workflow secrets on %s', { timeout: 120_000 }, (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let server: FastifyInstance;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false }, workflowSecretsKey: SECRETS_KEY });
    f = await createTenantFixture(core);
    server = Fastify();
    // the global secret is only the fallback of workflows that have no secret of their own
    await server.register(app, { core, version: 'test', webhookSecret: GLOBAL });
  });
  afterAll(async () => {
    await server.close();
    await core.outbox.stop();
    await t.drop();
  });

  const post = (id: string, body: string, headers: Record<string, string>) =>
    server.inject({ method: 'POST', url: `/api/v1/workflows/${id}/webhook`, payload: body, headers: { 'content-type': 'application/json', ...headers } });
  const rest = (method: 'POST' | 'GET', url: string, body?: unknown) =>
    server.inject({ method, url, headers: { authorization: `Bearer ${f.apiKeys.marketing}` }, ...(body ? { payload: body as object } : {}) });

  it('shows the secret once at creation (REST), keeps it sealed, and verifies a request signed with it once', async () => {
    const created = await rest('POST', '/api/v1/workflows', webhookWorkflow('Form'));
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const { id, webhookSecret } = created.json() as { id: string; webhookSecret: string };
    expect(webhookSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    // never shown again, and not stored as is
    expect((await rest('GET', `/api/v1/workflows/${id}`)).json()).not.toHaveProperty('webhookSecret');
    const [row] = await t.db.withTenant(f.tenantId, (em) => em.execute<{ webhook_secret: string }[]>('SELECT webhook_secret FROM workflows WHERE id = ?', [id]));
    expect(row.webhook_secret).toMatch(/^aes256gcm:v1:/);
    expect(row.webhook_secret).not.toContain(webhookSecret.slice(6));

    const body = JSON.stringify({ form: 'webinar', email: 'a@b.io' });
    const headers = signedHeaders(webhookSecret, body);
    const res = await post(id, body, headers);
    expect(res.statusCode).toBe(202);
    const { executionId } = res.json().data;
    expect((await core.workflows.getExecution(f.marketing, executionId)).input).toEqual({ form: 'webinar', email: 'a@b.io' });

    expect((await post(id, body, headers)).statusCode).toBe(409); // replay
    expect((await post(id, body.replace('a@b', 'x@y'), headers)).statusCode).toBe(401);
    expect((await post(id, body, signedHeaders(webhookSecret, body, Date.now() - 6 * 60_000))).statusCode).toBe(401);
    const other = JSON.stringify({ form: 'other' });
    // it says why nothing started (the answer was only started: false)
    expect((await post(id, other, signedHeaders(webhookSecret, other))).json().data).toEqual({
      executionId: null,
      started: false,
      reason: 'the trigger conditions of the workflow did not match the body; nothing was started',
    });
    expect(await core.workflows.listExecutions(f.marketing, { workflowId: id })).toHaveLength(1);
  });

  it('a JSON array or scalar body is the trigger input as { value }: conditions and templates address it as input.value (input.value.0.email)', async () => {
    const wf = {
      name: 'Batch',
      isActive: true,
      trigger: { type: 'WEBHOOK' as const, conditions: [{ field: 'input.value.0.form', operator: 'eq' as const, value: 'webinar' }] },
      steps: [{ id: 'mail', name: 'Mail', type: 'SEND_EMAIL' as const, config: { to: '{{input.value.0.email}}', subject: 'Thanks', body: 'x' } }],
    };
    const created = await rest('POST', '/api/v1/workflows', wf);
    expect(created.statusCode, created.body).toBe(201);
    const { id, webhookSecret } = created.json() as { id: string; webhookSecret: string };
    const array = JSON.stringify([{ form: 'webinar', email: 'first@batch.io' }, { form: 'demo', email: 'second@batch.io' }]);
    const res = await post(id, array, signedHeaders(webhookSecret, array));
    expect(res.statusCode, res.body).toBe(202);
    const execution = await core.workflows.getExecution(f.marketing, res.json().data.executionId);
    expect(execution.input).toEqual({ value: [{ form: 'webinar', email: 'first@batch.io' }, { form: 'demo', email: 'second@batch.io' }] });
    // what the step's template renders from that input
    expect(renderTemplate(wf.steps[0].config.to, { input: execution.input })).toBe('first@batch.io');
    // a scalar is input.value too; here the condition does not match, and the answer says so
    const scalar = JSON.stringify('webinar');
    expect((await post(id, scalar, signedHeaders(webhookSecret, scalar))).json().data).toMatchObject({ started: false, executionId: null });
  });

  it("refuses a request signed with another workflow's secret or the global one", async () => {
    const a = await core.workflows.create(f.marketing, webhookWorkflow('A'));
    const b = await core.workflows.create(f.marketing, webhookWorkflow('B'));
    expect(a.webhookSecret).not.toBe(b.webhookSecret);
    const body = JSON.stringify({ form: 'webinar', email: 'c@d.io' });
    const crossed = await post(a.id, body, signedHeaders(b.webhookSecret!, body));
    expect(crossed.statusCode).toBe(401);
    expect(crossed.json().error).toMatchObject({ code: 'UNAUTHENTICATED', details: [{ path: 'x-crm-signature', reason: expect.stringMatching(/this workflow's secret/) }] });
    expect((await post(a.id, body, signedHeaders(GLOBAL, body))).statusCode).toBe(401);
    expect((await post(b.id, body, signedHeaders(b.webhookSecret!, body))).statusCode).toBe(202);
    expect(await core.workflows.listExecutions(f.marketing, { workflowId: a.id })).toHaveLength(0);
  });

  it('rotation (REST) returns a new secret once and the old one stops verifying at once', async () => {
    const wf = await core.workflows.create(f.marketing, webhookWorkflow('Rotating'));
    const rotated = await rest('POST', `/api/v1/workflows/${wf.id}/webhook-secret`);
    expect(rotated.statusCode).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    const fresh = rotated.json().webhookSecret as string;
    expect(fresh).not.toBe(wf.webhookSecret);
    const body = JSON.stringify({ form: 'webinar', email: 'e@f.io' });
    expect((await post(wf.id, body, signedHeaders(wf.webhookSecret!, body))).statusCode).toBe(401);
    expect((await post(wf.id, body, signedHeaders(fresh, body))).statusCode).toBe(202);
    const audit = await core.audit.list(f.admin, { entityId: wf.id });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['workflow.webhook_secret_created', 'workflow.webhook_secret_rotated']));
    expect(JSON.stringify(audit)).not.toContain(fresh);

    // only WEBHOOK workflows have one; a rep may not rotate
    const manual = await core.workflows.create(f.marketing, { name: 'Manual', trigger: { type: 'MANUAL' }, steps: webhookWorkflow('x').steps });
    expect(manual.webhookSecret).toBeUndefined();
    const notWebhook = await rest('POST', `/api/v1/workflows/${manual.id}/webhook-secret`);
    expect(notWebhook.statusCode).toBe(400);
    expect(notWebhook.json().error.details[0].reason).toMatch(/not WEBHOOK/);
    const rep = await server.inject({ method: 'POST', url: `/api/v1/workflows/${wf.id}/webhook-secret`, headers: { authorization: `Bearer ${f.apiKeys.rep}` } });
    expect(rep.statusCode).toBe(403);
  });

  it('a workflow without its own secret (made before 0210) falls back to WORKFLOW_WEBHOOK_SECRET until rotated', async () => {
    const wf = await core.workflows.create(f.marketing, webhookWorkflow('Legacy'));
    await t.db.withTenant(f.tenantId, (em) => em.execute('UPDATE workflows SET webhook_secret = NULL WHERE id = ?', [wf.id]));
    const body = JSON.stringify({ form: 'webinar', email: 'g@h.io' });
    expect((await post(wf.id, body, signedHeaders(GLOBAL, body))).statusCode).toBe(202);
    const { webhookSecret } = await core.workflows.rotateWebhookSecret(f.marketing, wf.id);
    const later = JSON.stringify({ form: 'webinar', email: 'i@j.io' });
    expect((await post(wf.id, later, signedHeaders(GLOBAL, later))).statusCode).toBe(401);
    expect((await post(wf.id, later, signedHeaders(webhookSecret, later))).statusCode).toBe(202);
  });
});
