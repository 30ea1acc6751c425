import { holds } from '../../framework/access.ts';
import { GetWorkflow } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const getWorkflowTool = defineTool(GetWorkflow, {
  title: 'Get workflow',
  description:
    'One workflow: its current definition (trigger, steps, variables), version, owner and execution statistics.',
  annotations: READ_ONLY,
  access: holds('workflows:read'),
  handler: (input, { core, actor }) => core.workflows.get(actor, input.id),
  summarize: (w) => `${w.name} v${w.version}, ${w.steps.length} step(s), trigger ${w.trigger.type}${w.isActive ? ', active' : ', inactive'}`,
});
