import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, workflowBody, type RestHarness } from './rest-test.fixture.ts';

// Activation approval (issue 11 + issue 10's approval queue) through REST, on PGlite and PostgreSQL.
describe.each(testDbKinds())('REST: workflow activation approval on %s', { timeout: 120_000 }, (kind) => {
  let h: RestHarness;

  beforeAll(async () => {
    h = await openRestHarness(kind);
  });
  afterAll(() => h.close());

  const policyOn = async () => expect((await h.call('admin', 'PATCH', '/api/v1/settings', { workflowActivationRequiresApproval: true })).statusCode).toBe(200);
  const create = async () => {
    const res = await h.call('marketing', 'POST', '/api/v1/workflows', workflowBody());
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; version: number };
  };
  const activate = (id: string, who: 'marketing' | 'admin' = 'marketing') => h.call(who, 'POST', `/api/v1/workflows/${id}/activate`);
  const isActive = async (id: string) => (await h.call('marketing', 'GET', `/api/v1/workflows/${id}`)).json().isActive as boolean;
  const decide = (who: 'manager' | 'admin' | 'marketing', approvalId: string, decision: 'approve' | 'reject', reason?: string) =>
    h.call(who, 'POST', `/api/v1/approvals/${approvalId}/decision`, { decision, ...(reason ? { reason } : {}) });

  it('is off by default; only an ADMIN switches it on, every member reads it', async () => {
    const wf = await create();
    expect((await activate(wf.id)).statusCode).toBe(200);
    expect(await isActive(wf.id)).toBe(true);

    expect((await h.call('marketing', 'GET', '/api/v1/settings')).json()).toEqual({ workflowActivationRequiresApproval: false, approvalRequestEmails: true });
    const denied = await h.call('marketing', 'PATCH', '/api/v1/settings', { workflowActivationRequiresApproval: true });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toMatch(/Only an ADMIN/);
    const bad = await h.call('admin', 'PATCH', '/api/v1/settings', { workflowActivationRequiresApproval: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([expect.objectContaining({ path: 'body.workflowActivationRequiresApproval', reason: expect.stringMatching(/boolean/) })]);
    const on = await h.call('admin', 'PATCH', '/api/v1/settings', { workflowActivationRequiresApproval: true });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toEqual({ workflowActivationRequiresApproval: true, approvalRequestEmails: true });
    expect((await h.call('rep', 'GET', '/api/v1/settings')).json()).toEqual({ workflowActivationRequiresApproval: true, approvalRequestEmails: true });
    // the other tenant is untouched
    expect((await h.call('admin', 'GET', '/api/v1/settings', undefined, {}, h.b)).json()).toEqual({ workflowActivationRequiresApproval: false, approvalRequestEmails: true });
    const audit = await h.core.audit.list(h.a.admin, { entityType: 'tenant' });
    expect(audit.some((e) => e.action === 'tenant.settings_updated')).toBe(true);

    // an already active workflow cannot be edited live by a non-admin any more
    const edit = await h.call('marketing', 'PUT', `/api/v1/workflows/${wf.id}`, workflowBody('edited'));
    expect(edit.statusCode).toBe(403);
    expect(edit.json().error.message).toMatch(/is active and this tenant requires approval/);
    // nor created active
    const createdActive = await h.call('marketing', 'POST', '/api/v1/workflows', { ...workflowBody(), isActive: true });
    expect(createdActive.statusCode).toBe(403);
    expect(createdActive.json().error.message).toMatch(/create it inactive/);
  });

  it('pending → approved by someone else → active, exactly the requested version, audited', async () => {
    await policyOn();
    const wf = await create();
    const res = await activate(wf.id);
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ id: wf.id, isActive: false, activation: { status: 'pending_approval', version: 1 } });
    const approvalId = body.activation.approvalId as string;
    expect(res.headers.location).toBe(`/api/v1/approvals/${approvalId}`);
    // asking again returns the same pending request
    expect((await activate(wf.id)).json().activation.approvalId).toBe(approvalId);
    expect(await isActive(wf.id)).toBe(false);

    const approval = (await h.call('manager', 'GET', `/api/v1/approvals/${approvalId}`)).json();
    expect(approval).toMatchObject({ kind: 'workflow_activation', status: 'pending', action: { workflowId: wf.id, version: 1 }, subjectType: 'workflow', subjectId: wf.id });

    const self = await decide('marketing', approvalId, 'approve');
    expect(self.statusCode).toBe(403);
    expect(self.json().error.message).toMatch(/someone other than the person who asked/);

    const ok = await decide('manager', approvalId, 'approve');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', executionStatus: 'succeeded', executionResult: { workflowId: wf.id, version: 1, activated: true } });
    expect(await isActive(wf.id)).toBe(true);
    const again = await decide('admin', approvalId, 'approve');
    expect(again.statusCode).toBe(409);

    const audit = await h.core.audit.list(h.a.admin, { entityId: wf.id });
    const activated = audit.find((e) => e.action === 'workflow.activated');
    expect(activated).toMatchObject({ actorId: h.a.manager.userId });
    expect(activated!.diff).toMatchObject({ after: { isActive: true, version: 1, approvalId } });
    const decided = await h.core.audit.list(h.a.admin, { entityId: approvalId });
    expect(decided.map((e) => e.action)).toEqual(expect.arrayContaining(['approval.requested', 'approval.decided']));
  });

  it('rejected → stays inactive; a withdrawn request is rejected by the requester', async () => {
    await policyOn();
    const wf = await create();
    const approvalId = (await activate(wf.id)).json().activation.approvalId as string;
    expect((await decide('manager', approvalId, 'reject')).statusCode).toBe(400); // a rejection needs a reason
    const rejected = await decide('manager', approvalId, 'reject', 'not before the campaign');
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ status: 'rejected', executionStatus: 'none' });
    expect(await isActive(wf.id)).toBe(false);
    // a new request after a rejection is a new approval
    const second = (await activate(wf.id)).json().activation.approvalId as string;
    expect(second).not.toBe(approvalId);
    expect((await decide('marketing', second, 'reject', 'withdrawn')).statusCode).toBe(200);
    expect(await isActive(wf.id)).toBe(false);
  });

  it('two concurrent decisions: one wins, the other gets a clear conflict', async () => {
    await policyOn();
    const wf = await create();
    const approvalId = (await activate(wf.id)).json().activation.approvalId as string;
    const [a, b] = await Promise.all([decide('manager', approvalId, 'approve'), decide('admin', approvalId, 'reject', 'no')]);
    const codes = [a.statusCode, b.statusCode].sort();
    expect(codes).toEqual([200, 409]);
    const loser = a.statusCode === 409 ? a : b;
    expect(loser.json().error.message).toMatch(/was already (approved|rejected).*decided once/);
    const winner = (a.statusCode === 200 ? a : b).json();
    expect(await isActive(wf.id)).toBe(winner.status === 'approved');
  });

  it('an edit after the request: approving refuses with a conflict and the request stays pending', async () => {
    await policyOn();
    const wf = await create();
    const approvalId = (await activate(wf.id)).json().activation.approvalId as string;
    expect((await h.call('marketing', 'PUT', `/api/v1/workflows/${wf.id}`, workflowBody('v2'))).json().version).toBe(2);
    const conflict = await decide('manager', approvalId, 'approve');
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.message).toMatch(/edited to version 2 after activation of version 1 was requested/);
    expect(await isActive(wf.id)).toBe(false);
    expect((await h.call('manager', 'GET', `/api/v1/approvals/${approvalId}`)).json().status).toBe('pending');
    // a fresh request names version 2; an ADMIN activates directly
    expect((await activate(wf.id)).json().activation).toMatchObject({ status: 'pending_approval', version: 2 });
    const direct = await activate(wf.id, 'admin');
    expect(direct.statusCode).toBe(200);
    expect(direct.json()).toMatchObject({ isActive: true, activation: { status: 'active', approvalId: null } });
  });
});
