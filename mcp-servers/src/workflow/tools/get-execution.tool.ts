import { holds } from '../../framework/access.ts';
import { GetExecution } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const getExecutionTool = defineTool(GetExecution, {
  title: 'Get execution',
  description:
    'One execution: status, input, output, error, when a WAIT resumes, and every step attempt with its input, output and error.',
  annotations: READ_ONLY,
  access: holds('workflows:read'),
  handler: (input, { core, actor }) => core.workflows.getExecution(actor, input.id),
  summarize: (e) => `Execution ${e.id}: ${e.status}${e.error ? ` — ${e.error}` : ''}, ${e.steps?.length ?? 0} step attempt(s).`,
});
