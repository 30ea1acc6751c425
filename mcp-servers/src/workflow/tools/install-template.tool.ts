import { holds } from '../../framework/access.ts';
import { InstallTemplate } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const installTemplateTool = defineTool(InstallTemplate, {
  title: 'Install workflow template',
  description:
    'Save a shipped template as a new, inactive workflow of this tenant (variables overridable). Activate it with activate_workflow.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  access: holds('workflows:write'),
  handler: (input, { core, actor }) => core.workflows.installTemplate(actor, input.key, { variables: input.variables }),
  summarize: (w) => `Installed "${w.name}" (id ${w.id}), inactive.`,
});
