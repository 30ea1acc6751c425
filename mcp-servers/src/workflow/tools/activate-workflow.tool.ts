import { ActivateWorkflow } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const activateWorkflowTool = defineTool(ActivateWorkflow, {
  title: 'Activate workflow',
  description:
    'Switch a workflow on: from now its trigger starts executions (events, schedule, webhook). Consider dry_run_workflow first.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: (input, { core, actor }) => core.workflows.setActive(actor, input.id, true),
  summarize: (w) => `Workflow "${w.name}" v${w.version} is active.`,
});
