import { holds } from '../../framework/access.ts';
import { DeactivateWorkflow } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const deactivateWorkflowTool = defineTool(DeactivateWorkflow, {
  title: 'Deactivate workflow',
  description:
    'Switch a workflow off: its trigger starts nothing new; running executions finish.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  access: holds('workflows:write'),
  precheck: (input, { core, actor }) => core.workflows.checks.deactivate(actor, input.id),
  handler: (input, { core, actor }) => core.workflows.deactivate(actor, input.id),
  summarize: (w) => `Workflow "${w.name}" is inactive.`,
});
