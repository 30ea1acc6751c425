import { listMailbox } from '@crm/core';
import { ListMailbox } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const listMailboxTool = defineTool(ListMailbox, {
  title: 'List local mailbox',
  description:
    "Mail that workflows sent while no SMTP server is configured: it stays in the CRM's local mailbox, nothing leaves the machine.",
  annotations: READ_ONLY,
  handler: async (input, { core, actor }) => ({ messages: await listMailbox(core.db, actor, input) }),
  summarize: (o) => `${o.messages.length} message(s).`,
});
