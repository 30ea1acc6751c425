import { z } from 'zod';

/** Input of send_email (MCP) and POST /contacts/{id}/emails: kept apart from the service so contracts load without the ORM. */
export const SendEmailInput = z
  .object({
    contactId: z.uuid('must be a contact id (UUID)'),
    subject: z.string().trim().min(1, 'subject is required').max(300, 'must be at most 300 characters'),
    body: z.string().trim().min(1, 'body is required').max(20_000, 'must be at most 20,000 characters'),
    idempotencyKey: z.string().trim().min(1).max(300).optional(),
  })
  .strict();
export type SendEmailInput = z.input<typeof SendEmailInput>;
