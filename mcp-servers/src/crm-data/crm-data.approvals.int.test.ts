import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installApprovalExecutor } from '../approval-executor.ts';
import { failed, ok, openHarness, type Harness } from '../testing/harness.ts';

type ApprovalOut = { id: string; status: string; executionStatus: string; executionResult: unknown; requestedFor: string; action: Record<string, unknown> };

describe.each(testDbKinds())('approval tools over a real MCP client on %s', (kind) => {
  let h: Harness;
  let contactId: string;
  beforeAll(async () => {
    h = await openHarness(kind);
    installApprovalExecutor(h.core);
    contactId = (await h.core.contacts.create(h.f.rep, { firstName: 'Dana', lastName: 'Whitfield', email: 'dana@northwind.test', assignedTo: h.f.rep.userId })).id;
  });
  afterAll(() => h.close());

  it('a rep files a tool call, a manager approves it, it runs once as the rep; a second decision is a CONFLICT', async () => {
    const rep = await h.connect(h.f.rep);
    const filed = ok<ApprovalOut>(
      await rep.call('request_approval', {
        tool: 'change_contact_status',
        arguments: { id: contactId, status: 'PROSPECT' },
        summary: 'Move Dana to PROSPECT',
        subject: { type: 'chat_thread', id: 'thread-9' },
        idempotencyKey: 'chat:thread-9:call-1',
      }),
    );
    expect(filed).toMatchObject({ status: 'pending', requestedFor: h.f.rep.userId, action: { tool: 'change_contact_status', arguments: { id: contactId, status: 'PROSPECT' } } });
    expect(ok<ApprovalOut>(await rep.call('request_approval', { tool: 'change_contact_status', arguments: { id: contactId, status: 'PROSPECT' }, summary: 'Move Dana to PROSPECT', subject: { type: 'chat_thread', id: 'thread-9' }, idempotencyKey: 'chat:thread-9:call-1' })).id).toBe(filed.id);
    expect((await h.core.contacts.get(h.f.rep, contactId)).status).toBe('LEAD');

    const other = await h.connect(h.f.otherRep);
    expect(ok<{ approvals: ApprovalOut[] }>(await other.call('list_approvals', {})).approvals).toEqual([]);
    expect(failed(await other.call('get_approval', { id: filed.id })).code).toBe('PERMISSION_DENIED');
    expect(failed(await other.call('decide_approval', { id: filed.id, decision: 'approve' })).code).toBe('PERMISSION_DENIED');

    const manager = await h.connect(h.f.manager);
    const listed = ok<{ approvals: ApprovalOut[] }>(await manager.call('list_approvals', { status: 'pending', kind: 'agent_action' }));
    expect(listed.approvals.map((a) => a.id)).toEqual([filed.id]);
    const decided = ok<ApprovalOut>(await manager.call('decide_approval', { id: filed.id, decision: 'approve', reason: 'ok' }));
    expect(decided).toMatchObject({ status: 'approved', executionStatus: 'succeeded', executionResult: expect.objectContaining({ id: contactId, status: 'PROSPECT' }) });
    expect((await h.core.contacts.get(h.f.rep, contactId)).status).toBe('PROSPECT');
    // the change is the rep's, made through the tool
    const audit = await h.core.audit.list(h.f.admin, { entityType: 'contact', entityId: contactId });
    expect(audit.find((e) => e.action === 'contact.status_changed')?.actorId).toBe(h.f.rep.userId);

    const again = failed(await manager.call('decide_approval', { id: filed.id, decision: 'approve' }));
    expect(again).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already approved/) });
    expect(ok<ApprovalOut>(await rep.call('get_approval', { id: filed.id }))).toMatchObject({ status: 'approved', executionStatus: 'succeeded' });
  });

  it('refuses to file a call the requester could not run, with the code the call would give; nothing is queued', async () => {
    const theirs = (await h.core.contacts.create(h.f.otherRep, { firstName: 'Olga', lastName: 'Other', email: 'olga@x.test', assignedTo: h.f.otherRep.userId })).id;
    const rep = await h.connect(h.f.rep);
    const manager = await h.connect(h.f.manager);
    const queued = async () => ok<{ approvals: ApprovalOut[] }>(await manager.call('list_approvals', { status: 'all', limit: 100 })).approvals.length;
    const before = await queued();
    expect(failed(await rep.call('request_approval', { tool: 'change_contact_status', arguments: { id: theirs, status: 'INACTIVE' }, summary: 'Deactivate Olga' }))).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'SALES_REP may only write contacts assigned to themselves — change_contact_status would fail when run, so nothing was filed for approval',
    });
    expect(failed(await rep.call('request_approval', { tool: 'send_email', arguments: { contactId: theirs, subject: 'Hi', body: 'Hello' }, summary: 'Email Olga' })).code).toBe('PERMISSION_DENIED');
    // a tool the role may not call at all: the tool's own access refusal
    expect(failed(await rep.call('request_approval', { tool: 'import_contacts', arguments: { csv: 'firstName,lastName,email\nA,B,a@b.test' }, summary: 'Import' }))).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { permission: 'contacts:write' },
    });
    const ghost = crypto.randomUUID();
    expect(failed(await manager.call('request_approval', { tool: 'update_contact', arguments: { id: ghost, company: 'X' }, summary: 'Change company' }))).toMatchObject({
      code: 'NOT_FOUND',
      details: { entity: 'Contact', id: ghost },
    });
    // the filed call's arguments are named as this tool's (arguments.<field>), with the tool's own reasons
    expect(failed(await rep.call('request_approval', { tool: 'change_contact_status', arguments: { id: contactId, status: 'QUALIFIED' }, summary: 'Qualify Dana' })).details).toEqual([
      { path: 'arguments.status', reason: expect.stringMatching(/LEAD.*PROSPECT/) },
    ]);
    expect(failed(await rep.call('request_approval', { tool: 'update_contact', arguments: { id: 'dana@northwind.test', company: 'X' }, summary: 'Change company' })).details).toEqual([
      { path: 'arguments.id', reason: expect.stringMatching(/that is an email address/) },
    ]);
    expect(await queued()).toBe(before);
    expect((await h.core.contacts.get(h.f.manager, theirs)).status).toBe('LEAD');
  });

  it('checks workflow actions too: the workflow exists, its trigger fits, the contact exists, the activation policy; nothing is queued', async () => {
    const marketing = await h.connect(h.f.marketing);
    const queued = async () => ok<{ approvals: ApprovalOut[] }>(await marketing.call('list_approvals', { status: 'all', limit: 100 })).approvals.length;
    const definition = (name: string) => ({
      name,
      trigger: { type: 'CONTACT_CREATED', conditions: [] },
      steps: [{ id: 'task', name: 'Task', type: 'CREATE_TASK', config: { title: 'Call {{contact.firstName}}' } }],
    });
    const active = await h.core.workflows.create(h.f.marketing, { ...definition('Welcome'), isActive: true } as never);
    const before = await queued();
    const ghost = crypto.randomUUID();
    for (const tool of ['activate_workflow', 'deactivate_workflow', 'rotate_webhook_secret'] as const) {
      expect(failed(await marketing.call('request_approval', { tool, arguments: { id: ghost }, summary: tool }))).toMatchObject({ code: 'NOT_FOUND', details: { entity: 'Workflow', id: ghost } });
    }
    expect(failed(await marketing.call('request_approval', { tool: 'rotate_webhook_secret', arguments: { id: active.id }, summary: 'Rotate' })).details).toEqual([
      { path: 'arguments.id', reason: 'workflow "Welcome" is triggered by CONTACT_CREATED, not WEBHOOK; it has no webhook secret' },
    ]);
    expect(failed(await marketing.call('request_approval', { tool: 'execute_workflow', arguments: { id: active.id, contactId: ghost }, summary: 'Run it' }))).toMatchObject({
      code: 'NOT_FOUND',
      details: { entity: 'Contact', id: ghost },
    });
    // a definition the tool would refuse is named step by step, under arguments
    const broken = { ...definition('Broken'), steps: [{ id: 'task', name: 'Task', type: 'CREATE_TASK', config: { title: 'Call {{contact.shoeSize}}' } }] };
    expect(failed(await marketing.call('request_approval', { tool: 'create_workflow', arguments: broken, summary: 'Create' }))).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: expect.stringMatching(/^arguments\.steps\.0/) }] });
    // under the tenant's activation approval policy an edit of an active workflow is refused when filed, as when run
    await h.core.tenantSettings.update(h.f.admin, { workflowActivationRequiresApproval: true });
    try {
      expect(failed(await marketing.call('request_approval', { tool: 'update_workflow', arguments: { id: active.id, definition: definition('Welcome v2') }, summary: 'Edit' }))).toMatchObject({
        code: 'PERMISSION_DENIED',
        message: expect.stringMatching(/is active and this tenant requires approval to activate workflows/),
      });
      expect(failed(await marketing.call('request_approval', { tool: 'create_workflow', arguments: { ...definition('Live at once'), isActive: true }, summary: 'Create active' })).code).toBe('PERMISSION_DENIED');
    } finally {
      await h.core.tenantSettings.update(h.f.admin, { workflowActivationRequiresApproval: false });
    }
    expect(await queued()).toBe(before);
    // what would run is filed, and the checks changed nothing
    expect(ok<ApprovalOut>(await marketing.call('request_approval', { tool: 'deactivate_workflow', arguments: { id: active.id }, summary: 'Pause Welcome' })).status).toBe('pending');
    expect((await h.core.workflows.get(h.f.marketing, active.id)).isActive).toBe(true);
  });

  it('checks executions, report schedules and knowledge documents too: they exist, their state allows it, a name is free', async () => {
    const marketing = await h.connect(h.f.marketing);
    const admin = await h.connect(h.f.admin);
    const queued = async () => ok<{ approvals: ApprovalOut[] }>(await marketing.call('list_approvals', { status: 'all', limit: 100 })).approvals.length;
    const before = await queued();
    const ghost = crypto.randomUUID();
    const refused = async (conn: typeof marketing, tool: string, args: Record<string, unknown>) => failed(await conn.call('request_approval', { tool, arguments: args, summary: tool }));
    expect(await refused(marketing, 'cancel_execution', { executionId: ghost })).toMatchObject({ code: 'NOT_FOUND', details: { entity: 'Execution', id: ghost } });
    expect(await refused(marketing, 'complete_workflow_step', { executionId: ghost, stepId: 'task' })).toMatchObject({ code: 'NOT_FOUND' });
    // an execution that has ended cannot be cancelled: refused when filed, as the run would be
    const wf = await h.core.workflows.create(h.f.marketing, { name: 'Manual', trigger: { type: 'MANUAL', conditions: [] }, steps: [{ id: 'task', name: 'Task', type: 'CREATE_TASK', config: { title: 'Call' } }] } as never);
    const run = await h.core.workflows.execute(h.f.marketing, wf.id, {});
    await h.core.workflows.cancelExecution(h.f.marketing, run.id);
    expect(await refused(marketing, 'cancel_execution', { executionId: run.id })).toMatchObject({ code: 'CONFLICT', details: { status: 'cancelled' } });
    expect(await refused(marketing, 'complete_workflow_step', { executionId: run.id, stepId: 'task' })).toMatchObject({ code: 'CONFLICT' });

    for (const tool of ['update_report_schedule', 'delete_report_schedule', 'run_report_schedule_now']) {
      expect(await refused(marketing, tool, tool === 'update_report_schedule' ? { id: ghost, enabled: false } : { id: ghost })).toMatchObject({ code: 'NOT_FOUND' });
    }
    const schedule = { name: 'Weekly pipeline', type: 'SALES_PIPELINE', schedule: { cron: '0 7 * * 1', timezone: 'UTC' }, recipients: ['boss@northwind.test'] };
    await h.core.reportSchedules.create(h.f.marketing, schedule as never);
    expect(await refused(marketing, 'create_report_schedule', schedule)).toMatchObject({ code: 'CONFLICT', details: [{ path: 'name', reason: 'already used by another schedule' }] });
    expect(await refused(admin, 'delete_document', { id: ghost })).toMatchObject({ code: 'NOT_FOUND', details: { entity: 'Document', id: ghost } });
    expect(await queued()).toBe(before);
  });

  it('still runs the action with the requester\'s permissions at approval time: a contact reassigned meanwhile is refused then', async () => {
    const mine = (await h.core.contacts.create(h.f.rep, { firstName: 'Rae', lastName: 'Moved', email: 'rae@x.test', assignedTo: h.f.rep.userId })).id;
    const rep = await h.connect(h.f.rep);
    const filed = ok<ApprovalOut>(await rep.call('request_approval', { tool: 'change_contact_status', arguments: { id: mine, status: 'INACTIVE' }, summary: 'Deactivate Rae' }));
    await h.core.contacts.update(h.f.manager, mine, { assignedTo: h.f.otherRep.userId });
    const manager = await h.connect(h.f.manager);
    expect(ok<ApprovalOut>(await manager.call('decide_approval', { id: filed.id, decision: 'approve' }))).toMatchObject({
      executionStatus: 'failed',
      executionResult: { error: { code: 'PERMISSION_DENIED' } },
    });
    expect((await h.core.contacts.get(h.f.manager, mine)).status).toBe('LEAD');
  });

  it('bad input is named field by field', async () => {
    const rep = await h.connect(h.f.rep);
    expect(failed(await rep.call('request_approval', { tool: 'launch_rockets', arguments: {}, summary: 'x' }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'tool', reason: '"launch_rockets" is not a tool that can be filed for approval' }],
    });
    expect(failed(await rep.call('request_approval', { tool: 'update_contact', summary: '' })).details).toEqual([{ path: 'summary', reason: 'summary is required' }]);
    expect(failed(await rep.call('decide_approval', { id: 'nope', decision: 'approve' })).details).toEqual([{ path: 'id', reason: 'must be an approval id (UUID)' }]);
    const filed = ok<ApprovalOut>(await rep.call('request_approval', { tool: 'update_contact', arguments: { id: contactId, company: 'X' }, summary: 'Change company' }));
    expect(failed(await rep.call('decide_approval', { id: filed.id, decision: 'reject' })).details).toEqual([{ path: 'reason', reason: 'a rejection needs a reason' }]);
    expect(ok<ApprovalOut>(await rep.call('decide_approval', { id: filed.id, decision: 'reject', reason: 'not needed' }))).toMatchObject({ status: 'rejected', executionStatus: 'none' });
    expect((await h.core.contacts.get(h.f.rep, contactId)).company).toBeNull();
  });

  it('pages the queue with a cursor bound to its query', async () => {
    const manager = await h.connect(h.f.manager);
    const first = ok<{ approvals: ApprovalOut[]; nextCursor?: string }>(await manager.call('list_approvals', { status: 'all', limit: 1 }));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = ok<{ approvals: ApprovalOut[] }>(await manager.call('list_approvals', { status: 'all', limit: 1, cursor: first.nextCursor }));
    expect(second.approvals[0].id).not.toBe(first.approvals[0].id);
    expect(failed(await manager.call('list_approvals', { status: 'pending', limit: 1, cursor: first.nextCursor })).details).toEqual([
      { path: 'cursor', reason: 'belongs to a different query; repeat the same arguments or omit the cursor' },
    ]);
  });
});
