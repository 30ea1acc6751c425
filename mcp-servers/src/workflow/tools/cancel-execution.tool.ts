import { holds } from '../../framework/access.ts';
import { CancelExecution } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const cancelExecutionTool = defineTool(CancelExecution, {
  title: 'Cancel a workflow execution',
  description:
    'Stop a pending, running or waiting execution (a long WAIT, a step parked on an approval): it becomes cancelled and no worker continues it. ' +
    'An execution that already ended is a conflict naming its status. Audited. Needs workflows:write.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  access: holds('workflows:write'),
  precheck: (input, { core, actor }) => core.workflows.checks.cancelExecution(actor, input.executionId, input.reason),
  handler: (input, { core, actor }) => core.workflows.cancelExecution(actor, input.executionId, input.reason),
  summarize: (e) => `Execution ${e.id} is ${e.status}.`,
});
