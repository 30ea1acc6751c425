import { CreateContact } from '../../contracts/crm-data/contacts.contract.ts';
import { contactName } from '../../contracts/crm-data/common.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const createContactTool = defineTool(CreateContact, {
  title: 'Create contact',
  description:
    'Add a new contact (firstName, lastName and email are required). The email must be unique in the CRM: ' +
    'a CONFLICT error names the existing contact, so search first when unsure. The change is audited and starts ' +
    'lead scoring and matching workflows.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  precheck: (input, { core, actor }) => core.contacts.checks.create(actor, input),
  handler: (input, { core, actor }) => core.contacts.create(actor, input),
  summarize: (c) => `Created ${contactName(c)} <${c.email}> (id ${c.id}, ${c.status}).`,
});
