import { holds } from '../../framework/access.ts';
import { CreateWorkflow } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const createWorkflowTool = defineTool(CreateWorkflow, {
  title: 'Create workflow',
  description:
    "Save a new workflow (inactive unless isActive). The definition is validated first: every step's config for its type, next steps that exist, no unreachable steps, no cycle without a WAIT, template variables that exist; each problem names the step and field. Try dry_run_workflow before activating.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  access: holds('workflows:write'),
  precheck: (input, { core, actor }) => core.workflows.checks.create(actor, input),
  handler: (input, { core, actor }) => core.workflows.create(actor, input),
  summarize: (w) =>
    `Created workflow "${w.name}" (id ${w.id}), ${w.isActive ? 'active' : 'inactive'}.${w.webhookSecret ? ' Its inbound webhook signing secret is in webhookSecret: store it now, it is never shown again.' : ''}`,
});
