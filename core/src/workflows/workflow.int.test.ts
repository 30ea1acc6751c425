import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import type { OutboxEvent } from '../outbox/outbox.schema.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createExecutionStore } from './execution.store.ts';
import { recordWebhookReceipt } from './webhook-signature.ts';
import { createWorkflowTriggers } from './workflow-triggers.ts';
import type { WorkflowDefinitionInput } from './workflow.schema.ts';

const hotLead: WorkflowDefinitionInput = {
  name: 'Hot',
  trigger: { type: 'CONTACT_CREATED', conditions: [{ field: 'contact.leadScore', operator: 'gte', value: 80 }] },
  steps: [{ id: 'task', name: 'Call', type: 'CREATE_TASK', config: { title: 'Call {{contact.firstName}}' } }],
};

describe.each(testDbKinds())('workflow definitions, versions and triggers on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let other: TenantFixture;
  const events: OutboxEvent[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
    createWorkflowTriggers(t.db, silentLogger()).subscribe(core.outbox);
    core.outbox.subscribe({ consumer: 'test', types: ['workflow.*'], handler: (e) => void events.push(e) });
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('saves a validated definition, refuses an invalid one and versions every edit', async () => {
    const wf = await core.workflows.create(f.marketing, hotLead);
    expect(wf).toMatchObject({ name: 'Hot', version: 1, isActive: false, owner: f.marketing.userId, executionStats: { total: 0 } });
    await expect(core.workflows.create(f.marketing, { ...hotLead, steps: [{ ...hotLead.steps[0], nextSteps: ['nope'] }] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'steps.0.nextSteps.0', reason: 'step "task": next step "nope" does not exist' }],
    });
    await expect(core.workflows.create(f.rep, hotLead)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    const v2 = await core.workflows.update(f.marketing, wf.id, { ...hotLead, name: 'Hot v2' });
    expect(v2.version).toBe(2);
    expect((await core.workflows.getVersion(f.marketing, wf.id, 1)).name).toBe('Hot');
    expect(await core.workflows.list(other.admin)).toEqual([]);
  });

  it('refuses to activate a workflow whose webhook URL would be refused at every run, naming the step', async () => {
    const hook = (url: string) => ({
      name: `Hook ${url}`,
      trigger: { type: 'MANUAL' as const, conditions: [] },
      steps: [{ id: 'notify', name: 'Notify', type: 'WEBHOOK_CALL' as const, config: { url } }],
    });
    const metadata = await core.workflows.create(f.marketing, hook('http://169.254.169.254/latest/meta-data'));
    await expect(core.workflows.activate(f.marketing, metadata.id)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'steps.0.config.url', reason: expect.stringContaining('step "notify": 169.254.169.254 is a non-public address') }],
    });
    expect((await core.workflows.get(f.marketing, metadata.id)).isActive).toBe(false);
    const local = await core.workflows.create(f.marketing, hook('http://localhost:8080/hook'));
    await expect(core.workflows.activate(f.marketing, local.id)).rejects.toMatchObject({ details: [{ reason: expect.stringContaining('localhost is this machine') }] });
    // a public host, and a URL only known at run time, are checked when the call is made
    for (const url of ['https://hooks.example.com/crm', 'https://{{contact.customFields.hookHost}}/crm']) {
      const wf = await core.workflows.create(f.marketing, hook(url));
      expect((await core.workflows.activate(f.marketing, wf.id)).status).toBe('active');
    }
    // created active, or edited while active, it would run at once: the same check, nothing stored
    const before = (await core.workflows.list(f.marketing)).length;
    await expect(core.workflows.create(f.marketing, { ...hook('http://10.0.0.7/hook'), isActive: true })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('not created active'),
      details: [{ path: 'steps.0.config.url', reason: expect.stringContaining('step "notify": 10.0.0.7 is a non-public address') }],
    });
    expect(await core.workflows.list(f.marketing)).toHaveLength(before);
    const live = await core.workflows.create(f.marketing, { ...hook('https://hooks.example.com/live'), isActive: true });
    await expect(core.workflows.update(f.marketing, live.id, hook('http://169.254.169.254/latest'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('not changed (it is active)'),
      details: [{ path: 'steps.0.config.url' }],
    });
    expect((await core.workflows.get(f.marketing, live.id)).version).toBe(1);
    // an inactive workflow may hold such a URL while it is being edited (checked on activation)
    await core.workflows.deactivate(f.marketing, live.id);
    expect((await core.workflows.update(f.marketing, live.id, hook('http://169.254.169.254/latest'))).version).toBe(2);
    // a host the operator allowed (WORKFLOW_WEBHOOK_ALLOW_HOSTS) activates
    const allowing = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false }, workflowWebhookAllowHosts: ['localhost'] });
    expect((await allowing.workflows.activate(f.marketing, local.id)).status).toBe('active');
    await allowing.outbox.stop();
  });

  it('starts one execution per matching event of an active workflow, on the version current then', async () => {
    const wf = await core.workflows.setActive(f.marketing, (await core.workflows.create(f.marketing, hotLead)).id, true);
    const cold = await core.contacts.create(f.manager, { firstName: 'Cold', lastName: 'C', email: 'cold@x.io', leadScore: 10 });
    const hot = await core.contacts.create(f.manager, { firstName: 'Hot', lastName: 'H', email: 'hot@x.io', leadScore: 90 });
    await core.outbox.drain();
    await core.outbox.drain();
    const runs = await core.workflows.listExecutions(f.marketing, { workflowId: wf.id });
    expect(runs.map((r) => r.contactId)).toEqual([hot.id]);
    expect(runs[0]).toMatchObject({ status: 'pending', triggerType: 'CONTACT_CREATED', version: 1 });
    expect(events.some((e) => e.type === 'workflow.triggered' && e.payload.executionId === runs[0].id)).toBe(true);
    expect(cold.id).toBeTruthy();
    // the same event again (a redelivery) starts nothing new
    const triggers = createWorkflowTriggers(t.db, silentLogger());
    const created = await t.db.asWorker(async (c) => (await c.query(`SELECT * FROM outbox_events WHERE type = 'contact.created' AND aggregate_id = $1`, [hot.id])).rows[0]);
    const replay = await triggers.handleEvent({ id: created.id, seq: 0, tenantId: f.tenantId, type: 'contact.created', aggregateType: 'contact', aggregateId: hot.id, actorId: null, payload: created.payload, createdAt: new Date() });
    expect(replay).toEqual([]);
  });

  it('queues a batch of events (two trigger types, contacts carried or read) in one go, as one event at a time would, and never twice', async () => {
    const g = await createTenantFixture(core);
    const onCreate = await core.workflows.create(g.marketing, { ...hotLead, isActive: true });
    const onScore = await core.workflows.create(g.marketing, {
      name: 'Scored',
      isActive: true,
      trigger: { type: 'LEAD_SCORE_CHANGED', conditions: [{ field: 'contact.leadScore', operator: 'gte', value: 50 }] },
      steps: [{ id: 'task', name: 'Call', type: 'CREATE_TASK', config: { title: 'Call {{contact.firstName}}' } }],
    });
    const hot = await core.contacts.create(g.manager, { firstName: 'Hot', lastName: 'B', email: 'hot.batch@x.io', leadScore: 90 });
    const cold = await core.contacts.create(g.manager, { firstName: 'Cold', lastName: 'B', email: 'cold.batch@x.io', leadScore: 20 });
    const event = (type: string, contact: { id: string }, payload: Record<string, unknown>): OutboxEvent => ({
      id: crypto.randomUUID(),
      seq: 0,
      tenantId: g.tenantId,
      type,
      aggregateType: 'contact',
      aggregateId: contact.id,
      actorId: null,
      payload,
      createdAt: new Date(),
    });
    const batch = [
      event('contact.created', hot, { contact: hot }),
      event('contact.created', cold, { contact: cold }),
      // no contact in the payload: read from the database (hot: 90 ⇒ matches; cold: 20 ⇒ not)
      event('lead_score.changed', hot, { from: 40, to: 90 }),
      event('lead_score.changed', cold, { from: 10, to: 20 }),
      // not a trigger event: ignored
      event('contact.updated', hot, { contact: hot }),
    ];
    const triggers = createWorkflowTriggers(t.db, silentLogger());
    expect(await triggers.handleEvents(batch)).toBe(2);
    const runs = [...(await core.workflows.listExecutions(g.marketing, { workflowId: onCreate.id })), ...(await core.workflows.listExecutions(g.marketing, { workflowId: onScore.id }))];
    expect(runs.map((r) => [r.workflowId, r.contactId, r.triggerType, r.status])).toEqual([
      [onCreate.id, hot.id, 'CONTACT_CREATED', 'pending'],
      [onScore.id, hot.id, 'LEAD_SCORE_CHANGED', 'pending'],
    ]);
    const triggered = await t.db.asWorker(async (c) =>
      (await c.query(`SELECT aggregate_id, payload FROM outbox_events WHERE tenant_id = $1 AND type = 'workflow.triggered' ORDER BY payload->>'triggerType'`, [g.tenantId])).rows,
    );
    const byType = new Map(runs.map((r) => [r.triggerType, r]));
    expect(triggered).toEqual(
      (['CONTACT_CREATED', 'LEAD_SCORE_CHANGED'] as const).map((type) => ({
        aggregate_id: byType.get(type)!.workflowId,
        payload: { executionId: byType.get(type)!.id, workflowId: byType.get(type)!.workflowId, version: 1, triggerType: type, contactId: hot.id },
      })),
    );
    expect((await core.workflows.get(g.marketing, onScore.id)).lastExecuted).toBeInstanceOf(Date);
    // redelivered, whole or in part: nothing new
    expect(await triggers.handleEvents(batch)).toBe(0);
    expect(await triggers.handleEvent(batch[0])).toEqual([]);
    // the same events one at a time in another tenant give the same executions
    const h = await createTenantFixture(core);
    const wfH = await core.workflows.create(h.marketing, { ...hotLead, isActive: true });
    const hotH = await core.contacts.create(h.manager, { firstName: 'Hot', lastName: 'H', email: 'hot.h@x.io', leadScore: 90 });
    const one = { ...event('contact.created', hotH, { contact: hotH }), tenantId: h.tenantId };
    expect(await triggers.handleEvent(one)).toHaveLength(1);
    expect((await core.workflows.listExecutions(h.marketing, { workflowId: wfH.id })).map((r) => [r.contactId, r.triggerType])).toEqual([[hotH.id, 'CONTACT_CREATED']]);
  });

  it('matches changed_to on a status change and lets a manual run carry input', async () => {
    const wf = await core.workflows.create(f.marketing, {
      name: 'Won',
      trigger: { type: 'CONTACT_STATUS_CHANGED', conditions: [{ field: 'contact.status', operator: 'changed_to', value: 'CUSTOMER' }] },
      steps: [{ id: 'w', name: 'W', type: 'WAIT', config: { seconds: 1 } }],
      isActive: true,
    });
    const c = await core.contacts.create(f.manager, { firstName: 'Won', lastName: 'W', email: 'won@x.io' });
    await core.contacts.changeStatus(f.manager, c.id, { status: 'PROSPECT' });
    await core.contacts.changeStatus(f.manager, c.id, { status: 'CUSTOMER' });
    await core.outbox.drain();
    expect((await core.workflows.listExecutions(f.marketing, { workflowId: wf.id })).map((e) => e.contactId)).toEqual([c.id]);
    const manual = await core.workflows.execute(f.marketing, wf.id, { input: { plan: 'gold' }, contactId: c.id });
    expect(manual).toMatchObject({ triggerType: 'MANUAL', input: { plan: 'gold' }, status: 'pending' });
    expect((await core.workflows.get(f.marketing, wf.id)).executionStats.total).toBe(2);
  });

  it('fires a due cron slot once per matching contact, however many replicas run the job', async () => {
    const wf = await core.workflows.create(f.marketing, {
      name: 'Weekly',
      trigger: { type: 'TIME_BASED', schedule: { cron: '0 9 * * 1' }, conditions: [{ field: 'contact.email', operator: 'eq', value: 'won@x.io' }] },
      steps: [{ id: 'w', name: 'W', type: 'WAIT', config: { seconds: 1 } }],
      isActive: true,
    });
    const triggers = createWorkflowTriggers(t.db, silentLogger());
    const later = new Date(Date.now() + 8 * 86_400_000);
    const counts = await Promise.all([triggers.runSchedules(later), triggers.runSchedules(later)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await triggers.runSchedules(later)).toBe(0);
    expect((await core.workflows.listExecutions(f.marketing, { workflowId: wf.id }))[0].triggerType).toBe('TIME_BASED');
  });

  it('claims each execution for one worker at a time and fences the others out', async () => {
    const store = createExecutionStore(t.db);
    const [a, b] = await Promise.all([store.claim('w1', { limit: 50 }), store.claim('w2', { limit: 50 })]);
    const ids = [...a, ...b].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(0);
    const mine = a[0] ?? b[0];
    const thief = a[0] ? 'w2' : 'w1';
    expect(await store.heartbeat(mine.id, thief)).toBe(false);
    expect(await store.finish({ tenantId: mine.tenantId, id: mine.id, workflowId: mine.workflowId, ownerId: mine.owner.userId }, thief, { status: 'completed', output: {} })).toBe(false);
    const ledger = { tenantId: mine.tenantId, executionId: mine.id, stepId: 's', kind: 'test' };
    expect(await store.beginEffect(`${mine.id}:s`, ledger)).toEqual({ state: 'new' });
    expect(await store.beginEffect(`${mine.id}:s`, ledger)).toEqual({ state: 'started' });
    await store.finishEffect(mine.tenantId, `${mine.id}:s`, { ok: 1 });
    expect(await store.beginEffect(`${mine.id}:s`, ledger)).toEqual({ state: 'done', result: { ok: 1 } });
  });

  it('refuses a replayed inbound webhook signature', async () => {
    const [wf] = await core.workflows.list(f.marketing);
    await recordWebhookReceipt(t.db, f.tenantId, wf.id, 'v1=abc');
    await expect(recordWebhookReceipt(t.db, f.tenantId, wf.id, 'v1=abc')).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
