import { GetContact } from '../../contracts/crm-data/contacts.contract.ts';
import { contactName } from '../../contracts/crm-data/common.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const getContactTool = defineTool(GetContact, {
  title: 'Get contact',
  description:
    'Read one contact with every field: name, email, phone, company, position, status (LEAD, PROSPECT, CUSTOMER, INACTIVE), ' +
    'lead score (0-100), source, owner (assignedTo user id), custom fields, metadata and dates. ' +
    'Use get_contact_timeline for its interactions.',
  annotations: READ_ONLY,
  handler: ({ id }, { core, actor }) => core.contacts.get(actor, id),
  summarize: (c) => `${contactName(c)} <${c.email}> — ${c.status}, lead score ${c.leadScore}${c.company ? `, ${c.position ? `${c.position} at ` : ''}${c.company}` : ''}`,
});
