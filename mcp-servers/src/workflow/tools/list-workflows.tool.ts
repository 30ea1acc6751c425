import { holds } from '../../framework/access.ts';
import { ListWorkflows } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const listWorkflowsTool = defineTool(ListWorkflows, {
  title: 'List workflows',
  description:
    "The tenant's workflows with their trigger, version, whether active, and execution statistics (total, running, waiting, completed, failed).",
  annotations: READ_ONLY,
  access: holds('workflows:read'),
  // a summary, not the whole definition (get_workflow has that): the output contract is strict
  handler: async (input, { core, actor }) => ({
    workflows: (await core.workflows.list(actor, input)).map((w) => ({
      id: w.id,
      name: w.name,
      version: w.version,
      isActive: w.isActive,
      tags: w.tags,
      owner: w.owner,
      lastExecuted: w.lastExecuted,
      executionStats: w.executionStats,
      triggerType: w.trigger.type,
    })),
  }),
  summarize: (o) => `${o.workflows.length} workflow(s): ${o.workflows.map((w) => `${w.name} v${w.version}${w.isActive ? ' (active)' : ''}`).join(', ')}`,
});
