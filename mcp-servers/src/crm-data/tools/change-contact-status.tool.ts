import { ChangeContactStatus } from '../../contracts/crm-data/contacts.contract.ts';
import { contactName } from '../../contracts/crm-data/common.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const changeContactStatusTool = defineTool(ChangeContactStatus, {
  title: 'Change contact status',
  description:
    'Move a contact through the lifecycle LEAD → PROSPECT → CUSTOMER, or to INACTIVE, with an optional reason for the audit log. ' +
    'Setting the status it already has changes nothing. Sales reps may only change contacts assigned to them.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  precheck: ({ id, ...input }, { core, actor }) => core.contacts.checks.changeStatus(actor, id, input),
  handler: ({ id, ...input }, { core, actor }) => core.contacts.changeStatus(actor, id, input),
  summarize: (c) => `${contactName(c)} is now ${c.status}.`,
});
