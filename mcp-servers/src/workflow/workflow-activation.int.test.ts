import { createWorkflowTriggers, signedHeaders } from '@crm/core';
import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failed, ok, openHarness, type Connected, type Harness } from '../testing/harness.ts';

const manual = (name: string) => ({ name, trigger: { type: 'MANUAL' }, steps: [{ id: 't', name: 'Task', type: 'CREATE_TASK', config: { title: 'Call' } }] });
// a webhook body carries no contact: its step must not need one (a CREATE_TASK refuses such a body)
const webhook = (name: string) => ({
  name,
  trigger: { type: 'WEBHOOK' },
  steps: [{ id: 'm', name: 'Mail', type: 'SEND_EMAIL', config: { to: 'ops@example.com', subject: 'Form', body: 'x' } }],
});

interface Activated {
  id: string;
  isActive: boolean;
  version: number;
  activation: { status: string; approvalId: string | null; version: number; expiresAt: string | null };
}

// activate_workflow under the approval policy, decided with the crm-data approval tools; webhook secrets over MCP.
describe.each(testDbKinds())('workflow MCP server: activation approval and webhook secrets on %s', { timeout: 120_000 }, (kind) => {
  let h: Harness;
  let marketing: Connected;
  let managerApprovals: Connected;
  let adminApprovals: Connected;

  beforeAll(async () => {
    h = await openHarness(kind);
    marketing = await h.connect(h.f.marketing, { server: 'workflow' });
    managerApprovals = await h.connect(h.f.manager, { server: 'crm-data' });
    adminApprovals = await h.connect(h.f.admin, { server: 'crm-data' });
    await h.core.tenantSettings.update(h.f.admin, { workflowActivationRequiresApproval: true });
  });
  afterAll(() => h.close());

  it('pending approval → decide_approval approve → active; list_approvals shows it to the manager', async () => {
    const wf = ok<{ id: string }>(await marketing.call('create_workflow', manual('Onboard')));
    const result = await marketing.call('activate_workflow', { id: wf.id });
    const pending = ok<Activated>(result);
    expect(pending).toMatchObject({ isActive: false, activation: { status: 'pending_approval', version: 1 } });
    expect((result.content[0] as { text: string }).text).toMatch(/NOT active yet: activation waits for approval/);
    const listed = ok<{ approvals: { id: string; kind: string }[] }>(await managerApprovals.call('list_approvals', { kind: 'workflow_activation' }));
    expect(listed.approvals.map((a) => a.id)).toContain(pending.activation.approvalId);

    const decided = ok<{ status: string; executionStatus: string }>(await managerApprovals.call('decide_approval', { id: pending.activation.approvalId, decision: 'approve' }));
    expect(decided).toMatchObject({ status: 'approved', executionStatus: 'succeeded' });
    expect(ok<{ isActive: boolean }>(await marketing.call('get_workflow', { id: wf.id })).isActive).toBe(true);
    // once active, asking again just says so
    expect(ok<Activated>(await marketing.call('activate_workflow', { id: wf.id })).activation).toMatchObject({ status: 'active', approvalId: null });
  });

  it('reject leaves it inactive; concurrent decisions: one wins, the other is a CONFLICT', async () => {
    const rejectMe = ok<{ id: string }>(await marketing.call('create_workflow', manual('Reject me')));
    const r = ok<Activated>(await marketing.call('activate_workflow', { id: rejectMe.id }));
    ok(await managerApprovals.call('decide_approval', { id: r.activation.approvalId, decision: 'reject', reason: 'too noisy' }));
    expect(ok<{ isActive: boolean }>(await marketing.call('get_workflow', { id: rejectMe.id })).isActive).toBe(false);

    const race = ok<{ id: string }>(await marketing.call('create_workflow', manual('Race')));
    const p = ok<Activated>(await marketing.call('activate_workflow', { id: race.id }));
    const results = await Promise.all([
      managerApprovals.call('decide_approval', { id: p.activation.approvalId, decision: 'approve' }),
      adminApprovals.call('decide_approval', { id: p.activation.approvalId, decision: 'approve' }),
    ]);
    expect(results.filter((x) => !x.isError)).toHaveLength(1);
    const loser = failed(results.find((x) => x.isError)!);
    expect(loser.code).toBe('CONFLICT');
    expect(loser.message).toMatch(/already approved/);
    expect(ok<{ isActive: boolean }>(await marketing.call('get_workflow', { id: race.id })).isActive).toBe(true);
    const audit = await h.core.audit.list(h.f.admin, { entityId: race.id });
    expect(audit.filter((e) => e.action === 'workflow.activated')).toHaveLength(1); // activated exactly once
  });

  it('create_workflow returns the webhook secret once; rotate_webhook_secret replaces it', async () => {
    const wf = ok<{ id: string; webhookSecret?: string }>(await marketing.call('create_workflow', webhook('Hook')));
    expect(wf.webhookSecret).toMatch(/^whsec_/);
    expect(ok<Record<string, unknown>>(await marketing.call('get_workflow', { id: wf.id }))).not.toHaveProperty('webhookSecret');
    // an admin activates without approval
    const admin = await h.connect(h.f.admin, { server: 'workflow' });
    expect(ok<Activated>(await admin.call('activate_workflow', { id: wf.id })).activation.status).toBe('active');
    const triggers = createWorkflowTriggers(h.core.db, h.core.logger, { secrets: h.core.webhookSecrets });
    const body = '{"form":"x"}';
    const send = (secret: string) => {
      const hd = signedHeaders(secret, body);
      return triggers.handleWebhook(wf.id, { secret: undefined, timestamp: hd['x-crm-timestamp'], signature: hd['x-crm-signature'], body });
    };
    expect(await send(wf.webhookSecret!)).toMatch(/^[0-9a-f-]{36}$/);
    const rotated = ok<{ workflowId: string; webhookSecret: string }>(await marketing.call('rotate_webhook_secret', { id: wf.id }));
    expect(rotated.webhookSecret).not.toBe(wf.webhookSecret);
    await expect(send(wf.webhookSecret!)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await send(rotated.webhookSecret)).toMatch(/^[0-9a-f-]{36}$/);
    const rep = await h.connect(h.f.rep, { server: 'workflow' });
    expect(failed(await rep.call('rotate_webhook_secret', { id: wf.id })).code).toBe('PERMISSION_DENIED');
  });
});
