import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createMailboxTransport, listMailbox } from '../mail/mail.transport.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createExecutionStore } from './execution.store.ts';

describe.each(testDbKinds())('execution store on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  const events = async (executionId: string) =>
    t.db.asWorker(async (c) => (await c.query(`SELECT type, payload FROM outbox_events WHERE payload->>'executionId' = $1 AND type IN ('workflow.completed', 'workflow.failed')`, [executionId])).rows);

  it('finishes an execution and writes its event in one statement, only for the worker holding the lease, once', async () => {
    const store = createExecutionStore(t.db);
    const wf = await core.workflows.create(f.marketing, {
      name: 'Finish',
      isActive: true,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [{ id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { to: 'x@finish.test', subject: 's', body: 'b' } }],
    });
    const queued = await core.workflows.execute(f.marketing, wf.id);
    const [e] = await store.claim('worker-a', { limit: 1 });
    expect(e.id).toBe(queued.id);
    const ref = { tenantId: e.tenantId, id: e.id, workflowId: e.workflowId, ownerId: e.owner.userId };
    let woken = 0;
    const wake = () => woken++;
    t.db.events.on('outbox', wake);
    try {
      // not the lease holder: nothing changes, no event
      expect(await store.finish(ref, 'worker-b', { status: 'completed', output: { path: ['mail'] } })).toBe(false);
      expect(await events(e.id)).toEqual([]);
      expect(await store.finish(ref, 'worker-a', { status: 'completed', output: { path: ['mail'] } })).toBe(true);
      expect(woken).toBe(1);
      // a second finish (a late retry of the same worker) is fenced by the status
      expect(await store.finish(ref, 'worker-a', { status: 'failed', error: 'late' })).toBe(false);
    } finally {
      t.db.events.off('outbox', wake);
    }
    expect(await events(e.id)).toEqual([{ type: 'workflow.completed', payload: { executionId: e.id, workflowId: wf.id, ownerId: f.marketing.userId } }]);
    expect(await core.workflows.getExecution(f.marketing, e.id)).toMatchObject({ status: 'completed', output: { path: ['mail'] }, error: null });
  });

  it("commits a mailbox delivery with the step's ledger entry and attempt, and not at all when that fails", async () => {
    const store = createExecutionStore(t.db);
    const mail = createMailboxTransport(t.db);
    const wf = await core.workflows.create(f.marketing, {
      name: 'Ledger',
      isActive: true,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [{ id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { to: 'x@ledger.test', subject: 's', body: 'b' } }],
    });
    const exec = await core.workflows.execute(f.marketing, wf.id);
    const key = `${exec.id}:mail`;
    const outgoing = { tenantId: f.marketing.tenantId, idempotencyKey: key, from: 'crm@x.io', to: 'x@ledger.test', subject: 'ledger', body: 'b', executionId: exec.id };
    expect(await store.beginEffect(key, { tenantId: f.marketing.tenantId, executionId: exec.id, stepId: 'mail', kind: 'SEND_EMAIL' })).toEqual({ state: 'new' });
    const attempt = { tenantId: f.marketing.tenantId, executionId: exec.id, stepId: 'mail', attempt: 1, status: 'succeeded' as const, startedAt: new Date() };
    // the attempt insert fails (no such execution): the mail row and the ledger close roll back with it
    await expect(store.recordAttempt({ ...attempt, executionId: '00000000-0000-4000-8000-000000000000' }, { key, result: { ok: 1 }, statements: [mail.sendStatement!(outgoing)] })).rejects.toThrow();
    expect(await listMailbox(t.db, f.marketing, { to: 'x@ledger.test' })).toEqual([]);
    expect(await store.beginEffect(key, { tenantId: f.marketing.tenantId, executionId: exec.id, stepId: 'mail', kind: 'SEND_EMAIL' })).toEqual({ state: 'started' });
    await store.recordAttempt(attempt, { key, result: { ok: 1 }, statements: [mail.sendStatement!(outgoing)] });
    expect((await listMailbox(t.db, f.marketing, { to: 'x@ledger.test' })).map((m) => m.subject)).toEqual(['ledger']);
    expect(await store.beginEffect(key, { tenantId: f.marketing.tenantId, executionId: exec.id, stepId: 'mail', kind: 'SEND_EMAIL' })).toEqual({ state: 'done', result: { ok: 1 } });
  });
});

describe.each(testDbKinds())('cancelling an execution on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  const workflow = () =>
    core.workflows.create(f.marketing, {
      name: `Cancel ${Math.random().toString(36).slice(2, 8)}`,
      isActive: true,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [{ id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { to: 'x@cancel.test', subject: 's', body: 'b' } }],
    });

  it('a running execution is cancelled: the worker holding it loses its lease (heartbeat and finish find nothing), no worker claims it again; audited with an event', async () => {
    const store = createExecutionStore(t.db);
    const wf = await workflow();
    const queued = await core.workflows.execute(f.marketing, wf.id);
    const [e] = await store.claim('worker-a', { limit: 1 });
    expect(e.id).toBe(queued.id);
    const cancelled = await core.workflows.cancelExecution(f.marketing, e.id, 'wrong list');
    expect(cancelled).toMatchObject({ id: e.id, status: 'cancelled', error: 'cancelled: wrong list' });
    expect(cancelled.finishedAt).toBeInstanceOf(Date);
    expect(await store.heartbeat(e.id, 'worker-a')).toBe(false);
    expect(await store.finish({ tenantId: e.tenantId, id: e.id, workflowId: e.workflowId, ownerId: e.owner.userId }, 'worker-a', { status: 'completed', output: {} })).toBe(false);
    expect(await store.sleepUntil(e.tenantId, e.id, 'worker-a', new Date(), 'pending')).toBe(false);
    expect(await store.claim('worker-b', { limit: 10 })).toEqual([]);
    expect((await core.workflows.getExecution(f.marketing, e.id)).status).toBe('cancelled');
    const rows = await t.db.withTenant(f.tenantId, async (em) => ({
      audit: await em.execute(`SELECT action, diff FROM audit_log WHERE entity_id = ?`, [e.id]),
      events: await em.execute(`SELECT type, payload FROM outbox_events WHERE payload->>'executionId' = ? AND type = 'workflow.cancelled'`, [e.id]),
    }));
    expect(rows.audit).toEqual([{ action: 'workflow.execution_cancelled', diff: { before: { status: 'running' }, after: { status: 'cancelled', reason: 'wrong list' } } }]);
    expect(rows.events).toEqual([{ type: 'workflow.cancelled', payload: { executionId: e.id, workflowId: wf.id, ownerId: f.marketing.userId, previousStatus: 'running', reason: 'wrong list' } }]);
  });

  it("a step parked on an approval: the approval is rejected with the execution (it stayed pending, and approving it resumed nothing)", async () => {
    const wf = await workflow();
    const queued = await core.workflows.execute(f.marketing, wf.id);
    const approval = await core.approvals.request(f.marketing, {
      kind: 'workflow_step',
      action: { workflowId: wf.id, executionId: queued.id, stepId: 'mail', stepType: 'SEND_EMAIL', config: { to: 'x@cancel.test', subject: 's', body: 'b' } },
      summary: 'Workflow wants to run step "Mail"',
      risk: 'high',
      subject: { type: 'workflow_execution', id: queued.id },
      idempotencyKey: `workflow:${queued.id}:mail`,
    });
    expect(approval.status).toBe('pending');
    await core.workflows.cancelExecution(f.admin, queued.id);
    expect(await core.approvals.get(f.admin, approval.id)).toMatchObject({ status: 'rejected', reason: 'the workflow execution was cancelled', decidedBy: f.admin.userId });
    await expect(core.approvals.decide(f.admin, approval.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('a pending one too; an ended one is a CONFLICT naming its status; a rep may not; an unknown id is NOT_FOUND', async () => {
    const wf = await workflow();
    const queued = await core.workflows.execute(f.marketing, wf.id);
    await expect(core.workflows.cancelExecution(f.rep, queued.id)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await core.workflows.cancelExecution(f.admin, queued.id)).toMatchObject({ status: 'cancelled', error: 'cancelled' });
    await expect(core.workflows.cancelExecution(f.admin, queued.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `Execution ${queued.id} is cancelled: only a pending, running or waiting execution can be cancelled`,
    });
    await expect(core.workflows.cancelExecution(f.admin, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(core.workflows.cancelExecution(f.admin, 'nope')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'executionId', reason: 'must be an execution id (UUID)' }] });
  });
});
