import { listMailbox, type ClaimedExecution, type WorkflowDefinitionInput } from '@crm/core';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callToolData } from '../tools/call-tool.ts';
import { inProcessMcp } from './in-process-mcp.ts';
import { openWorkflowEnv, type WorkflowEnv } from './testing/workflow-env.ts';

describe.each(testDbKinds())('workflow steps that require approval on %s', (kind) => {
  let t: TestDatabase;
  let env: WorkflowEnv;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    env = await openWorkflowEnv(t.db);
    f = await createTenantFixture(env.core);
  });
  afterAll(async () => {
    await env.close();
    await t.drop();
  });

  // as in the runtime: the tenant's system actor, via the workflow, on behalf of its owner
  const worker = () =>
    env.worker({ effectActor: (e: ClaimedExecution) => env.core.users.systemActor(e.tenantId, { via: `workflow:${e.workflowId}`, onBehalfOf: e.owner.userId }) });
  const gated = (to: string, onError: Record<string, unknown> = { strategy: 'fail' }): WorkflowDefinitionInput => ({
    name: `Gated ${to}`,
    trigger: { type: 'MANUAL', conditions: [] },
    steps: [
      { id: 'mail', name: 'Offer', type: 'SEND_EMAIL', config: { to, subject: 'Offer', body: 'x', requiresApproval: true }, nextSteps: ['after'], onError },
      { id: 'after', name: 'After', type: 'SEND_EMAIL', config: { to: `after-${to}`, subject: 'After', body: 'x' } },
    ],
  });
  const run = async (def: WorkflowDefinitionInput) => {
    const wf = await env.core.workflows.create(f.marketing, { ...def, isActive: true });
    const exec = await env.core.workflows.execute(f.marketing, wf.id);
    await worker().runDue();
    const [approval] = await env.core.approvals.list(f.manager, { subjectType: 'workflow_execution', subjectId: exec.id, status: 'all' });
    return { wf, exec, approval };
  };
  const mailTo = async (to: string) => (await listMailbox(t.db, f.marketing, { to })).length;
  const status = async (id: string) => (await env.core.workflows.getExecution(f.marketing, id)).status;

  it('tells the approver what would go out to whom: the rendered recipient, subject and start of the body, and the contact by name (QA round 5)', async () => {
    const contact = await env.core.contacts.create(f.manager, { firstName: 'Benjamin', lastName: 'White', email: 'ben@evergreen.test', company: 'Evergreenleaf Hotels' });
    const wf = await env.core.workflows.create(f.marketing, {
      name: 'Proposal send',
      isActive: true,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [
        { id: 'proposal', name: 'Send proposal', type: 'SEND_EMAIL', config: { requiresApproval: true, subject: 'Your proposal, {{contact.firstName}}', body: 'Dear {{contact.firstName}},\n\nattached is our proposal for {{contact.company}}.' } },
      ],
    });
    const exec = await env.core.workflows.execute(f.marketing, wf.id, { contactId: contact.id });
    await worker().runDue();
    const [approval] = await env.core.approvals.list(f.manager, { subjectType: 'workflow_execution', subjectId: exec.id, status: 'all' });
    // was: 'Workflow "Proposal send" (v1) wants to run step "Send proposal" (SEND_EMAIL) for contact <uuid>'
    expect(approval.summary).toBe(
      'Workflow "Proposal send" (v1) wants to run step "Send proposal" (SEND_EMAIL) for Benjamin White <ben@evergreen.test>: ' +
        'email to ben@evergreen.test, subject "Your proposal, Benjamin", body "Dear Benjamin, attached is our proposal for Evergreenleaf Hotels."',
    );
    // decided, so the later tests' expiry scan finds only their own requests
    await env.core.approvals.decide(f.manager, approval.id, { decision: 'reject', reason: 'checked the preview' });
    await worker().runDue();
  });

  it('validates the flag', async () => {
    const bad = gated('x@x.io');
    (bad.steps[0].config as Record<string, unknown>).requiresApproval = 'yes';
    await expect(env.core.workflows.create(f.marketing, bad)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'steps.0.config.requiresApproval' }] });
  });

  it('parks the execution with a request in the queue; approval resumes it and the step acts once', async () => {
    const { exec, approval } = await run(gated('yes@x.io'));
    expect(await status(exec.id)).toBe('waiting');
    expect(approval).toMatchObject({
      kind: 'workflow_step',
      status: 'pending',
      risk: 'high',
      requestedByKind: 'system',
      requestedFor: f.marketing.userId,
      action: expect.objectContaining({ executionId: exec.id, stepId: 'mail', stepType: 'SEND_EMAIL' }),
    });
    expect(approval.via).toMatch(/^workflow:/);
    expect(await mailTo('yes@x.io')).toBe(0);
    // nothing to do until someone decides; a rep may not decide a workflow step
    expect(await worker().runDue()).toBe(0);
    await expect(env.core.approvals.decide(f.rep, approval.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });

    await env.core.approvals.decide(f.manager, approval.id, { decision: 'approve', reason: 'offer checked' });
    expect(await worker().runDue()).toBe(1);
    expect(await status(exec.id)).toBe('completed');
    expect(await mailTo('yes@x.io')).toBe(1);
    expect(await mailTo('after-yes@x.io')).toBe(1);
    await expect(env.core.approvals.decide(f.admin, approval.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await worker().runDue()).toBe(0);
    expect(await mailTo('yes@x.io')).toBe(1);
    // one request only, however often the run was picked up
    expect(await env.core.approvals.list(f.manager, { subjectId: exec.id, status: 'all' })).toHaveLength(1);
  });

  it('rejection ends the step per onError: fail fails the execution, skip goes on without the effect', async () => {
    const failing = await run(gated('fail@x.io'));
    await env.core.approvals.decide(f.manager, failing.approval.id, { decision: 'reject', reason: 'not this week' });
    const skipping = await run(gated('skip@x.io', { strategy: 'skip' }));
    await env.core.approvals.decide(f.marketing, skipping.approval.id, { decision: 'reject', reason: 'no' });
    await worker().runDue();
    const failed = await env.core.workflows.getExecution(f.marketing, failing.exec.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/step "mail" failed: approval .* was rejected: not this week/);
    expect(await mailTo('fail@x.io')).toBe(0);
    expect(await mailTo('after-fail@x.io')).toBe(0);
    const skipped = await env.core.workflows.getExecution(f.marketing, skipping.exec.id);
    expect(skipped.status).toBe('completed');
    // a rejection under onError: skip is recorded as skipped, with the reason (was: failed, QA round 5)
    expect(skipped.steps!.map((s) => `${s.stepId}:${s.status}`)).toEqual(['mail:skipped', 'after:succeeded']);
    expect(skipped.steps![0].error).toMatch(/^approval .* was rejected: no$/);
    // the same over MCP's get_execution (REST's GET /executions/{id} and `crm workflow execution` read the same attempts)
    const client = await inProcessMcp(env.core, 'workflow')(f.marketing);
    try {
      const viaMcp = await callToolData<{ steps: { stepId: string; status: string; error: string | null }[] }>(client, 'get_execution', { id: skipping.exec.id });
      expect(viaMcp.steps.map((s) => `${s.stepId}:${s.status}`)).toEqual(['mail:skipped', 'after:succeeded']);
      expect(viaMcp.steps[0].error).toContain('was rejected: no');
    } finally {
      await client.close();
    }
    // under onError: fail the rejection is still the step's failure
    expect(failed.steps!.map((s) => `${s.stepId}:${s.status}`)).toEqual(['mail:failed']);
    expect(await mailTo('skip@x.io')).toBe(0);
    expect(await mailTo('after-skip@x.io')).toBe(1);
  });

  it('expiry: the scan expires the request and wakes the execution, which ends per onError', async () => {
    const { exec, approval } = await run(gated('late@x.io', { strategy: 'skip' }));
    expect(await env.core.approvals.expireDue(new Date(Date.now() + 25 * 3_600_000))).toBeGreaterThanOrEqual(1);
    expect(await worker().runDue()).toBe(1);
    const done = await env.core.workflows.getExecution(f.marketing, exec.id);
    expect(done.status).toBe('completed');
    expect(done.steps![0].error).toBe(`approval ${approval.id} was expired`);
    expect(await mailTo('late@x.io')).toBe(0);
  });
});
