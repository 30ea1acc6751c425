import { holds } from '../../framework/access.ts';
import { ListExecutions } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const listExecutionsTool = defineTool(ListExecutions, {
  title: 'List executions',
  description:
    'Executions newest first, filtered by workflow, contact or status.',
  annotations: READ_ONLY,
  access: holds('workflows:read'),
  handler: async (input, { core, actor }) => ({ executions: await core.workflows.listExecutions(actor, input) }),
  summarize: (o) => `${o.executions.length} execution(s).`,
});
