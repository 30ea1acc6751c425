import { UpdateContact } from '../../contracts/crm-data/contacts.contract.ts';
import { contactName } from '../../contracts/crm-data/common.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const updateContactTool = defineTool(UpdateContact, {
  title: 'Update contact',
  description:
    'Change some fields of a contact: give its id and only the fields to change (null clears phone, company, position ' +
    'or assignedTo). Status changes go through change_contact_status. Sales reps may only change contacts assigned to them. ' +
    'The previous values are kept in the audit log.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  precheck: ({ id, ...changes }, { core, actor }) => core.contacts.checks.update(actor, id, changes),
  handler: ({ id, ...changes }, { core, actor }) => core.contacts.update(actor, id, changes),
  summarize: (c) => `Updated ${contactName(c)} <${c.email}> (id ${c.id}).`,
});
