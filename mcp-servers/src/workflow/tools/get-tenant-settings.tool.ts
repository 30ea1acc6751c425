import { GetTenantSettings } from '../../contracts/workflow/tenant-settings.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

const onOff = (b: boolean) => (b ? 'on' : 'off');

export const getTenantSettingsTool = defineTool(GetTenantSettings, {
  title: 'Get tenant settings',
  description:
    "The tenant's policies: whether activating a workflow (by anyone but an ADMIN) files an approval request, and whether new approval requests are emailed to the people who may decide them. Every member may read them.",
  annotations: READ_ONLY,
  handler: (_input, { core, actor }) => core.tenantSettings.get(actor),
  summarize: (s) => `Workflow activation requires approval: ${onOff(s.workflowActivationRequiresApproval)}; approval requests emailed to approvers: ${onOff(s.approvalRequestEmails)}.`,
});

export { onOff };
