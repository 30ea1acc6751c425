import { holds } from '../../framework/access.ts';
import { ExecuteWorkflow } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const executeWorkflowTool = defineTool(ExecuteWorkflow, {
  title: 'Execute workflow',
  description:
    'Start a run now, optionally about one contact and with input values ({{input.x}} in templates). The worker runs it; follow it with get_execution.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  access: holds('workflows:write'),
  precheck: (input, { core, actor }) => core.workflows.checks.execute(actor, input.id, { input: input.input, contactId: input.contactId }),
  handler: (input, { core, actor }) => core.workflows.execute(actor, input.id, { input: input.input, contactId: input.contactId }),
  summarize: (e) => `Execution ${e.id} queued (${e.status}).`,
});
