import { holds } from '../../framework/access.ts';
import { CompleteWorkflowStep } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const completeWorkflowStepTool = defineTool(CompleteWorkflowStep, {
  title: 'Complete a failed workflow step',
  description:
    'Record that a person did what a failed step could not (audited): the step counts as done with the given output and the execution continues with its next steps. The step never acts again.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  access: holds('workflows:write'),
  precheck: (input, { core, actor }) => core.workflows.checks.completeStep(actor, input.executionId, input.stepId, input.output),
  handler: (input, { core, actor }) => core.workflows.completeStep(actor, input.executionId, input.stepId, input.output),
  summarize: (e) => `Execution ${e.id} continues (${e.status}).`,
});
