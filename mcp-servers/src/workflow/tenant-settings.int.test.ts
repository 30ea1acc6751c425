import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failed, ok, openHarness, type Connected, type Harness } from '../testing/harness.ts';

interface Settings {
  workflowActivationRequiresApproval: boolean;
  approvalRequestEmails: boolean;
}

// get_tenant_settings / update_tenant_settings over the real MCP SDK client
describe.each(testDbKinds())('workflow MCP server: tenant settings on %s', { timeout: 120_000 }, (kind) => {
  let h: Harness;
  let admin: Connected;
  let rep: Connected;

  beforeAll(async () => {
    h = await openHarness(kind);
    admin = await h.connect(h.f.admin, { server: 'workflow' });
    rep = await h.connect(h.f.rep, { server: 'workflow' });
  });
  afterAll(() => h.close());

  it('every member reads the defaults; an ADMIN changes one setting and the others stay', async () => {
    const read = await rep.call('get_tenant_settings', {});
    expect(ok<Settings>(read)).toEqual({ workflowActivationRequiresApproval: false, approvalRequestEmails: true });
    expect((read.content[0] as { text: string }).text).toMatch(/approval requests emailed to approvers: on/);

    const saved = ok<Settings>(await admin.call('update_tenant_settings', { approvalRequestEmails: false }));
    expect(saved).toEqual({ workflowActivationRequiresApproval: false, approvalRequestEmails: false });
    expect(await h.core.tenantSettings.get(h.f.rep)).toEqual(saved);
    expect(ok<Settings>(await admin.call('update_tenant_settings', { workflowActivationRequiresApproval: true }))).toEqual({
      workflowActivationRequiresApproval: true,
      approvalRequestEmails: false,
    });
    ok(await admin.call('update_tenant_settings', { workflowActivationRequiresApproval: false, approvalRequestEmails: true }));
  });

  it('a non-admin is denied, unknown keys and wrong types are rejected with the field named', async () => {
    expect(failed(await rep.call('update_tenant_settings', { approvalRequestEmails: false }))).toMatchObject({ code: 'PERMISSION_DENIED' });
    const wrong = failed(await admin.call('update_tenant_settings', { approvalRequestEmails: 'yes' }));
    expect(wrong.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(wrong)).toContain('approvalRequestEmails');
    const unknown = failed(await admin.call('update_tenant_settings', { darkMode: true }));
    expect(unknown.code).toBe('VALIDATION_FAILED');
    expect(await h.core.tenantSettings.get(h.f.admin)).toEqual({ workflowActivationRequiresApproval: false, approvalRequestEmails: true });
  });
});
