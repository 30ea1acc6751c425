import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import type { Actor } from '../users/user.schema.ts';
import type { AgentAction } from './approval.schema.ts';

const emailDana = (key?: string) => ({
  kind: 'agent_action' as const,
  action: { tool: 'send_email', arguments: { to: 'dana@northwind.test', subject: 'Hi' } },
  summary: 'send_email to dana@northwind.test',
  risk: 'high' as const,
  subject: { type: 'chat_thread' as const, id: 'thread-1' },
  ...(key ? { idempotencyKey: key } : {}),
});

describe.each(testDbKinds())('the approval queue on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let other: TenantFixture;
  const ran: { action: AgentAction; requester: Actor }[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
    core.approvals.setAgentActionExecutor(async (action, requester) => {
      ran.push({ action, requester });
      return { sent: true };
    });
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  const rows = (sql: string, params: unknown[]) => t.db.withTenant(f.tenantId, (em) => em.execute<Record<string, unknown>[]>(sql, params));

  it('files a request with its exact action, requester and expiry, audited and announced; the same key returns the same request', async () => {
    const a = await core.approvals.request(f.rep, emailDana('k-1'));
    expect(a).toMatchObject({
      kind: 'agent_action',
      status: 'pending',
      action: { tool: 'send_email', arguments: { to: 'dana@northwind.test', subject: 'Hi' } },
      requestedBy: f.rep.userId,
      requestedByKind: 'user',
      requestedFor: f.rep.userId,
      subjectType: 'chat_thread',
      subjectId: 'thread-1',
      risk: 'high',
      executionStatus: 'none',
    });
    const hours = (a.expiresAt.getTime() - a.createdAt.getTime()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThan(24.1);
    expect((await core.approvals.request(f.rep, emailDana('k-1'))).id).toBe(a.id);
    await expect(core.approvals.request(f.rep, { ...emailDana('k-1'), action: { tool: 'merge_contacts', arguments: {} } })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await rows("SELECT action, actor_id FROM audit_log WHERE entity_type = 'approval' AND entity_id = ?", [a.id])).toEqual([{ action: 'approval.requested', actor_id: f.rep.userId }]);
    const events = await rows("SELECT type, payload FROM outbox_events WHERE aggregate_type = 'approval' AND aggregate_id = ?", [a.id]);
    expect(events).toEqual([{ type: 'approval.requested', payload: expect.objectContaining({ approvalId: a.id, kind: 'agent_action', requestedFor: f.rep.userId }) }]);
  });

  it('says exactly what is wrong with a bad request or decision', async () => {
    await expect(core.approvals.request(f.rep, { ...emailDana(), action: { tool: 'Send Email', arguments: {} } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'action.tool', reason: expect.stringMatching(/snake_case/) }],
    });
    await expect(core.approvals.request(f.rep, { ...emailDana(), kind: 'nope' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'kind' }] });
    await expect(core.approvals.request(f.rep, { ...emailDana(), summary: '' })).rejects.toMatchObject({ details: [{ path: 'summary', reason: 'summary is required' }] });
    const a = await core.approvals.request(f.rep, emailDana());
    await expect(core.approvals.decide(f.manager, a.id, { decision: 'reject' })).rejects.toMatchObject({ details: [{ path: 'reason', reason: 'a rejection needs a reason' }] });
    await expect(core.approvals.decide(f.manager, 'not-a-uuid', { decision: 'approve' })).rejects.toMatchObject({ details: [{ path: 'id', reason: 'must be a UUID' }] });
    await expect(core.approvals.decide(f.manager, a.id, { decision: 'maybe' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'decision' }] });
    expect((await core.approvals.get(f.manager, a.id)).status).toBe('pending');
  });

  it('RBAC: managers see and decide all; a rep sees and decides only their own assistant actions; SYSTEM never decides', async () => {
    const mine = await core.approvals.request(f.rep, emailDana());
    const theirs = await core.approvals.request(f.otherRep, emailDana());
    const system = await core.users.systemActor(f.tenantId, { via: 'workflow:wf-1', onBehalfOf: f.marketing.userId });
    const step = await core.approvals.request(system, {
      kind: 'workflow_step',
      action: { workflowId: crypto.randomUUID(), executionId: crypto.randomUUID(), stepId: 'email', stepType: 'SEND_EMAIL', config: {} },
      summary: 'SEND_EMAIL step "email"',
    });
    expect(step).toMatchObject({ requestedBy: system.userId, requestedByKind: 'system', via: 'workflow:wf-1', requestedFor: f.marketing.userId });
    // a rep may not file workflow requests
    await expect(core.approvals.request(f.rep, { kind: 'workflow_step', action: step.action, summary: 'x' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });

    const repSees = (await core.approvals.list(f.rep, { status: 'all' })).map((a) => a.id);
    expect(repSees).toContain(mine.id);
    expect(repSees).not.toContain(theirs.id);
    expect(repSees).not.toContain(step.id);
    await expect(core.approvals.get(f.rep, theirs.id)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    const managerSees = (await core.approvals.list(f.manager, {})).map((a) => a.id);
    expect(managerSees).toEqual(expect.arrayContaining([mine.id, theirs.id, step.id]));
    expect((await core.approvals.list(f.manager, { kind: 'workflow_step' })).map((a) => a.id)).toEqual([step.id]);

    await expect(core.approvals.decide(f.rep, theirs.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(core.approvals.decide(f.rep, step.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(core.approvals.decide(system, step.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(core.approvals.list(system)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect((await core.approvals.decide(f.rep, mine.id, { decision: 'reject', reason: 'changed my mind' })).status).toBe('rejected');
    expect(await core.approvals.decide(f.marketing, step.id, { decision: 'approve' })).toMatchObject({ status: 'approved', executionStatus: 'none', decidedBy: f.marketing.userId });
  });

  it('decides exactly once: the second decision is a CONFLICT, and an approved action runs once as its requester', async () => {
    const a = await core.approvals.request(f.rep, emailDana());
    const before = ran.length;
    const done = await core.approvals.decide(f.manager, a.id, { decision: 'approve', reason: 'fine' });
    expect(done).toMatchObject({ status: 'approved', reason: 'fine', executionStatus: 'succeeded', executionResult: { sent: true } });
    expect(ran.slice(before)).toEqual([{ action: { tool: 'send_email', arguments: { to: 'dana@northwind.test', subject: 'Hi' } }, requester: expect.objectContaining({ userId: f.rep.userId, role: 'SALES_REP' }) }]);
    await expect(core.approvals.decide(f.admin, a.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already approved/) });
    await expect(core.approvals.decide(f.admin, a.id, { decision: 'reject', reason: 'too late' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await core.approvals.execute(f.manager, a.id)).executionStatus).toBe('succeeded');
    expect(ran.length - before).toBe(1);

    // two decisions at once: one wins, the other gets the conflict, the action runs once
    const b = await core.approvals.request(f.rep, emailDana());
    const results = await Promise.allSettled([
      core.approvals.decide(f.manager, b.id, { decision: 'approve' }),
      core.approvals.decide(f.admin, b.id, { decision: 'approve' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['CONFLICT']);
    expect(ran.length - before).toBe(2);

    const audit = await rows("SELECT action FROM audit_log WHERE entity_type = 'approval' AND entity_id = ? ORDER BY id", [a.id]);
    expect(audit.map((r) => r.action)).toEqual(['approval.requested', 'approval.decided', 'approval.executed']);
    const events = await rows("SELECT type, payload FROM outbox_events WHERE aggregate_id = ? ORDER BY seq", [a.id]);
    expect(events.map((e) => e.type)).toEqual(['approval.requested', 'approval.decided', 'approval.executed']);
    expect(events[1].payload).toMatchObject({ status: 'approved', decidedBy: f.manager.userId });
  });

  it('a failing action is recorded as failed, never retried by a second approve', async () => {
    core.approvals.setAgentActionExecutor(async () => {
      throw Object.assign(new Error('contact not found'), { code: 'NOT_FOUND' });
    });
    try {
      const a = await core.approvals.request(f.rep, emailDana());
      expect(await core.approvals.decide(f.manager, a.id, { decision: 'approve' })).toMatchObject({
        executionStatus: 'failed',
        executionResult: { error: { code: 'NOT_FOUND', message: 'contact not found' } },
      });
      expect((await core.approvals.execute(f.manager, a.id)).executionStatus).toBe('failed');
    } finally {
      core.approvals.setAgentActionExecutor(async (action, requester) => {
        ran.push({ action, requester });
        return { sent: true };
      });
    }
  });

  it('expiry: the scan marks overdue requests expired (audited, announced), and deciding one is a clear error', async () => {
    const a = await core.approvals.request(f.rep, emailDana());
    const b = await core.approvals.request(f.rep, { ...emailDana(), expiresInHours: 48 });
    expect(await core.approvals.expireDue(new Date(Date.now() + 25 * 3_600_000))).toBeGreaterThanOrEqual(1);
    expect((await core.approvals.get(f.manager, a.id)).status).toBe('expired');
    expect((await core.approvals.get(f.manager, b.id)).status).toBe('pending');
    await expect(core.approvals.decide(f.manager, a.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already expired/) });
    expect((await rows("SELECT type, payload FROM outbox_events WHERE aggregate_id = ? AND type = 'approval.decided'", [a.id]))[0].payload).toMatchObject({ status: 'expired', decidedBy: null });
    expect((await rows("SELECT action, actor_kind, via FROM audit_log WHERE entity_id = ? AND action = 'approval.expired'", [a.id]))[0]).toEqual({
      action: 'approval.expired',
      actor_kind: 'system',
      via: 'job:approvals.expire',
    });

    // overdue but not yet scanned: deciding expires it and says so
    await rows("UPDATE approvals SET expires_at = now() - interval '1 minute' WHERE id = ?", [b.id]);
    await expect(core.approvals.decide(f.manager, b.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/expired at .* can no longer be decided/) });
    expect((await core.approvals.get(f.manager, b.id)).status).toBe('expired');
    expect((await core.approvals.list(f.manager, { status: 'expired' })).map((x) => x.id)).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it('another tenant sees nothing and cannot decide', async () => {
    const a = await core.approvals.request(f.rep, emailDana());
    await expect(core.approvals.get(other.admin, a.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(core.approvals.decide(other.admin, a.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await core.approvals.list(other.admin, { status: 'all' })).toEqual([]);
    expect((await core.approvals.get(f.manager, a.id)).status).toBe('pending');
  });

  it('pages newest first with a keyset', async () => {
    const page1 = await core.approvals.list(f.manager, { status: 'all', limit: 2 });
    const page2 = await core.approvals.list(f.manager, { status: 'all', limit: 2, before: { createdAt: page1[1].createdAt, id: page1[1].id } });
    expect(page2).toHaveLength(2);
    expect(page2.map((a) => a.id)).not.toContain(page1[0].id);
    expect(page2[0].createdAt.getTime()).toBeLessThanOrEqual(page1[1].createdAt.getTime());
  });
});
