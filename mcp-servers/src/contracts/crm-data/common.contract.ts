import { Contact, FollowUp, Interaction } from '@crm/core/contracts';
import { z } from 'zod';

/**
 * Dates cross MCP as ISO 8601 strings: JSON Schema cannot describe a Date, and a model writes
 * "2025-03-01" more reliably than anything else. The core coerces them.
 */
export const IsoDateInput = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'must be an ISO 8601 date or date-time, e.g. 2025-03-01 or 2025-03-01T09:30:00Z')
  .describe("ISO 8601 date (2025-03-01) or date-time (2025-03-01T09:30:00Z); no offset: the tenant's time zone; a date alone: the start of that day there");

export const IsoDateTime = z.iso.datetime();

export const ContactId = z.uuid('must be a contact id (UUID)').describe('Contact id (UUID), e.g. from search_contacts');

export const Cursor = z
  .string()
  .max(512, 'must be at most 512 characters')
  .describe('Opaque cursor from a previous call\'s nextCursor, to fetch the next page; omit for the first page');

export const ContactOut = Contact.omit({ tenantId: true }).extend({
  lastContactDate: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});

export const ContactSummaryOut = ContactOut.pick({
  id: true,
  firstName: true,
  lastName: true,
  email: true,
  company: true,
  position: true,
  status: true,
  leadScore: true,
  assignedTo: true,
  lastContactDate: true,
  updatedAt: true,
});

export const InteractionOut = Interaction.omit({ tenantId: true }).extend({
  scheduledFollowUp: IsoDateTime.nullable(),
  createdAt: IsoDateTime.describe('When the interaction happened'),
});

export const FollowUpOut = FollowUp.omit({ tenantId: true }).extend({
  dueAt: IsoDateTime,
  completedAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
});

export const NextCursorOut = z.string().optional().describe('Pass as cursor to get the next page; absent on the last page');

export const contactName = (c: { firstName: string; lastName: string }) => `${c.firstName} ${c.lastName}`;
