import { changesTenantSettings } from '../../framework/access.ts';
import { UpdateTenantSettings } from '../../contracts/workflow/tenant-settings.contract.ts';
import { defineTool } from '../../framework/tool.ts';
import { onOff } from './get-tenant-settings.tool.ts';

export const updateTenantSettingsTool = defineTool(UpdateTenantSettings, {
  title: 'Update tenant settings',
  description:
    "Change the tenant's policies (ADMIN only; audited): workflowActivationRequiresApproval (default false) and approvalRequestEmails (default true). Only the settings named change; returns all of them.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  access: changesTenantSettings,
  handler: (input, { core, actor }) => core.tenantSettings.update(actor, input),
  summarize: (s) => `Saved. Workflow activation requires approval: ${onOff(s.workflowActivationRequiresApproval)}; approval requests emailed to approvers: ${onOff(s.approvalRequestEmails)}.`,
});
