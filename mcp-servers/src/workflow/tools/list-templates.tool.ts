import { ListTemplates } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const listTemplatesTool = defineTool(ListTemplates, {
  title: 'List workflow templates',
  description:
    'Ready-made automations that install_template saves as an inactive workflow: New Customer Onboarding, Hot Lead Alert, Re-engage Inactive Contacts, Webinar Follow-up.',
  annotations: READ_ONLY,
  handler: async (_input, { core }) => ({ templates: core.workflows.listTemplates() }),
  summarize: (o) => o.templates.map((t) => `${t.key}: ${t.name}`).join('; '),
});
