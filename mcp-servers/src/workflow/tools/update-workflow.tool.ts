import { holds } from '../../framework/access.ts';
import { UpdateWorkflow } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const updateWorkflowTool = defineTool(UpdateWorkflow, {
  title: 'Update workflow',
  description:
    "Replace a workflow's definition; it is saved as the next version. Executions already running finish on the version they started with.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  access: holds('workflows:write'),
  precheck: (input, { core, actor }) => core.workflows.checks.update(actor, input.id, input.definition),
  handler: (input, { core, actor }) => core.workflows.update(actor, input.id, input.definition),
  summarize: (w) => `Workflow "${w.name}" is now version ${w.version}.`,
});
