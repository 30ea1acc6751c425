import { defineEntity, p } from '@mikro-orm/postgresql';
import { CONTACT_STATUSES, type ContactMetadata } from './contact.schema.ts';

export const ContactEntity = defineEntity({
  name: 'Contact',
  tableName: 'contacts',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    firstName: p.text(),
    lastName: p.text(),
    email: p.text(),
    phone: p.text().nullable(),
    company: p.text().nullable(),
    position: p.text().nullable(),
    leadScore: p.float(),
    status: p.enum([...CONTACT_STATUSES]),
    source: p.text(),
    assignedTo: p.uuid().nullable(),
    customFields: p.json<Record<string, unknown>>(),
    metadata: p.json<ContactMetadata>(),
    lastContactDate: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
