import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failed, ok, openHarness, type Connected, type Harness } from '../testing/harness.ts';

describe('workflow MCP server', () => {
  let h: Harness;
  let mcp: Connected;

  beforeAll(async () => {
    h = await openHarness('pglite');
    mcp = await h.connect(h.f.marketing, { server: 'workflow' });
  });
  afterAll(() => h.close());

  it('lists its tools, templates, resources and the design prompt', async () => {
    // a marketing manager's list: update_tenant_settings is an ADMIN's (tools-list-roles.int.test.ts)
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'activate_workflow',
        'cancel_execution',
        'complete_workflow_step',
        'create_workflow',
        'deactivate_workflow',
        'dry_run_workflow',
        'execute_workflow',
        'get_execution',
        'get_tenant_settings',
        'get_workflow',
        'install_template',
        'list_executions',
        'list_mailbox',
        'list_templates',
        'list_workflows',
        'rotate_webhook_secret',
        'update_workflow',
      ].sort(),
    );
    // a step's config is a free object in JSON Schema: its description is all a model learns of each type's fields
    const create = tools.find((t) => t.name === 'create_workflow')!.inputSchema as unknown as { properties: { steps: { items: { properties: { config: { description: string } } } } } };
    const config = create.properties.steps.items.properties.config.description;
    expect(config).toContain('SEND_EMAIL: {requiresApproval?, to?, subject, body}');
    expect(config).toContain('WAIT: {seconds?, minutes?, hours?, days?}');
    expect(config).toContain('ASSIGN_USER: {requiresApproval?, userIds}');
    const templates = ok<{ templates: { key: string }[] }>(await mcp.call('list_templates'));
    expect(templates.templates.map((t) => t.key)).toEqual(['new-customer-onboarding', 'hot-lead-alert', 're-engage-inactive', 'webinar-follow-up']);
    const prompt = await mcp.client.getPrompt({ name: 'design_workflow', arguments: { description: 'when a lead scores above 80 email sales' } });
    expect((prompt.messages[0].content as { text: string }).text).toContain('when a lead scores above 80 email sales');
  });

  it('installs, dry-runs against real events, activates, executes and reads an execution', async () => {
    const c = await h.core.contacts.create(h.f.manager, { firstName: 'Jane', lastName: 'Smith', email: 'jane@prospect.com' });
    await h.core.contacts.changeStatus(h.f.manager, c.id, { status: 'CUSTOMER' });
    const wf = ok<{ id: string; isActive: boolean; version: number }>(await mcp.call('install_template', { key: 'new-customer-onboarding' }));
    expect(wf.isActive).toBe(false);
    const dry = ok<{ entered: number; emails: number; entries: { contactId: string; path: string[]; effects: { type: string; detail: { subject?: string } }[] }[] }>(
      await mcp.call('dry_run_workflow', { id: wf.id, days: 7 }),
    );
    expect(dry.entered).toBe(1);
    expect(dry.entries[0]).toMatchObject({ contactId: c.id, path: ['welcome', 'kickoff-task', 'wait-week', 'check-in'] });
    expect(dry.entries[0].effects.map((e) => e.type)).toEqual(['SEND_EMAIL', 'CREATE_TASK', 'SEND_EMAIL']);
    expect(dry.entries[0].effects[0].detail.subject).toBe('Welcome aboard, Jane!');
    expect(await h.core.workflows.listExecutions(h.f.marketing)).toEqual([]); // a dry run queues nothing

    expect(ok<{ isActive: boolean }>(await mcp.call('activate_workflow', { id: wf.id })).isActive).toBe(true);
    const exec = ok<{ id: string; status: string }>(await mcp.call('execute_workflow', { id: wf.id, contactId: c.id }));
    expect(exec.status).toBe('pending');
    expect(ok<{ id: string }>(await mcp.call('get_execution', { id: exec.id })).id).toBe(exec.id);
    // not failed: nothing to complete by hand, and the tool says why
    const early = failed(await mcp.call('complete_workflow_step', { executionId: exec.id, stepId: 'welcome' }));
    expect(early.code).toBe('CONFLICT');
    const resource = await mcp.client.readResource({ uri: `crm://executions/${exec.id}` });
    expect(JSON.parse((resource.contents[0] as { text: string }).text).status).toBe('pending');
    const wfRes = await mcp.client.readResource({ uri: `crm://workflows/${wf.id}` });
    expect(JSON.parse((wfRes.contents[0] as { text: string }).text).executionStats.total).toBe(1);
    // cancel_execution stops it; a second cancel is a conflict naming the status
    expect(ok<{ status: string; error: string }>(await mcp.call('cancel_execution', { executionId: exec.id, reason: 'wrong contact' }))).toMatchObject({ status: 'cancelled', error: 'cancelled: wrong contact' });
    const again = failed(await mcp.call('cancel_execution', { executionId: exec.id }));
    expect(again.code).toBe('CONFLICT');
  });

  it('answers an invalid definition with the step and field, and versions updates', async () => {
    const def = {
      name: 'Bad',
      trigger: { type: 'MANUAL' },
      steps: [{ id: 'a', name: 'A', type: 'SEND_EMAIL', config: { subject: 'Hi {{contact.nickname}}', body: 'x' }, nextSteps: ['zz'] }],
    };
    const error = failed(await mcp.call('create_workflow', def));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual(
      expect.arrayContaining([
        { path: 'steps.0.nextSteps.0', reason: 'step "a": next step "zz" does not exist' },
        expect.objectContaining({ path: 'steps.0.config.subject' }),
      ]),
    );
    const good = { ...def, steps: [{ ...def.steps[0], config: { subject: 'Hi', body: 'x' }, nextSteps: [] }] };
    const wf = ok<{ id: string; version: number }>(await mcp.call('create_workflow', good));
    const v2 = ok<{ version: number; name: string }>(await mcp.call('update_workflow', { id: wf.id, definition: { ...good, name: 'Good' } }));
    expect(v2).toMatchObject({ version: 2, name: 'Good' });
    const rep = await h.connect(h.f.rep, { server: 'workflow' });
    expect(failed(await rep.call('create_workflow', good)).code).toBe('PERMISSION_DENIED');
  });

  it('lists saved workflows as summaries (the output contract held no definitions: INTERNAL once one existed)', async () => {
    const wf = ok<{ id: string }>(await mcp.call('install_template', { key: 'hot-lead-alert' }));
    const listed = ok<{ workflows: Record<string, unknown>[] }>(await mcp.call('list_workflows', {}));
    const mine = listed.workflows.find((w) => w.id === wf.id);
    expect(mine).toMatchObject({ name: 'Hot Lead Alert', version: 1, isActive: false, triggerType: 'LEAD_SCORE_CHANGED' });
    expect(mine).not.toHaveProperty('steps');
    expect(ok<{ workflows: unknown[] }>(await mcp.call('list_workflows', { active: false, limit: 1 })).workflows).toHaveLength(1);
  });

  it('refuses a manual run for a contact that does not exist, naming the contact, and queues nothing', async () => {
    const wf = ok<{ id: string }>(await mcp.call('install_template', { key: 'webinar-follow-up' }));
    const missing = '00000000-0000-4000-8000-000000000000';
    const before = (await h.core.workflows.listExecutions(h.f.marketing, { workflowId: wf.id })).length;
    const error = failed(await mcp.call('execute_workflow', { id: wf.id, contactId: missing }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain(missing);
    expect(await h.core.workflows.listExecutions(h.f.marketing, { workflowId: wf.id })).toHaveLength(before);
  });
});
