import { createCrmCore, signedHeaders, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';

const SECRET = 'inbound-webhook-secret-for-tests';

describe('gateway: inbound workflow webhooks', () => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let server: FastifyInstance;
  let workflowId: string;

  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    server = Fastify();
    await server.register(app, { core, version: 'test', webhookSecret: SECRET });
    const wf = await core.workflows.create(f.marketing, {
      name: 'Form',
      isActive: true,
      trigger: { type: 'WEBHOOK', conditions: [{ field: 'input.form', operator: 'eq', value: 'webinar' }] },
      steps: [{ id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { to: '{{input.email}}', subject: 'Thanks', body: 'x' } }],
    });
    workflowId = wf.id;
  });
  afterAll(async () => {
    await server.close();
    await core.outbox.stop();
    await t.drop();
  });

  const post = (body: string, headers: Record<string, string>) =>
    server.inject({ method: 'POST', url: `/api/v1/workflows/${workflowId}/webhook`, payload: body, headers: { 'content-type': 'application/json', ...headers } });

  it('starts an execution for a signed request once, and refuses its replay, a bad signature and a stale one', async () => {
    const body = JSON.stringify({ form: 'webinar', email: 'a@b.io' });
    const headers = signedHeaders(SECRET, body);
    const res = await post(body, headers);
    expect(res.statusCode).toBe(202);
    const { executionId } = res.json().data;
    expect((await core.workflows.getExecution(f.marketing, executionId)).input).toEqual({ form: 'webinar', email: 'a@b.io' });

    expect((await post(body, headers)).statusCode).toBe(409);
    expect((await post(body.replace('a@b', 'x@y'), headers)).statusCode).toBe(401);
    expect((await post(body, signedHeaders(SECRET, body, Date.now() - 6 * 60_000))).statusCode).toBe(401);
    const other = JSON.stringify({ form: 'other' });
    expect((await post(other, signedHeaders(SECRET, other))).json().data).toEqual({ executionId: null, started: false });
    expect(await core.workflows.listExecutions(f.marketing, { workflowId })).toHaveLength(1);
  });
});
