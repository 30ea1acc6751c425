import { holds } from '../../framework/access.ts';
import { ActivateWorkflow } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const activateWorkflowTool = defineTool(ActivateWorkflow, {
  title: 'Activate workflow',
  description:
    'Switch a workflow on: from now its trigger starts executions (events, schedule, webhook). Consider dry_run_workflow first. ' +
    'When the tenant requires approval for activations (and you are not an ADMIN) nothing is switched on: a workflow_activation ' +
    'approval for this exact version is filed (activation.status "pending_approval", activation.approvalId) for a manager or admin to decide.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  access: holds('workflows:write'),
  precheck: (input, { core, actor }) => core.workflows.checks.activate(actor, input.id),
  handler: async (input, { core, actor }) => {
    const r = await core.workflows.activate(actor, input.id);
    return {
      ...r.workflow,
      activation: { status: r.status, approvalId: r.approval?.id ?? null, version: r.workflow.version, expiresAt: r.approval?.expiresAt ?? null },
    };
  },
  summarize: (w) =>
    w.activation.status === 'active'
      ? `Workflow "${w.name}" v${w.version} is active.`
      : `Workflow "${w.name}" v${w.version} is NOT active yet: activation waits for approval ${w.activation.approvalId} (expires ${w.activation.expiresAt}).`,
});
