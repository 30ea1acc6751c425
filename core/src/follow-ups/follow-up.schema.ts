import { z } from 'zod';
import { ListPageQuery } from '../db/offset-page.ts';
import { isoDate } from '../errors/safe-input.schema.ts';

export const FollowUp = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  contactId: z.uuid(),
  ownerId: z.uuid(),
  title: z.string(),
  notes: z.string().nullable(),
  dueAt: z.date(),
  done: z.boolean(),
  completedAt: z.date().nullable(),
  interactionId: z.uuid().nullable(),
  createdAt: z.date(),
});
export type FollowUp = z.infer<typeof FollowUp>;

export const CreateFollowUpInput = z
  .object({
    contactId: z.uuid('must be a contact id (UUID)'),
    title: z.string().trim().normalize('NFC').min(1, 'title is required').max(300),
    notes: z.string().normalize('NFC').max(5000).optional(),
    dueAt: isoDate(),
    ownerId: z.uuid().optional(),
  })
  .strict();
export type CreateFollowUpInput = z.input<typeof CreateFollowUpInput>;

export const ListFollowUpsQuery = z
  .object({
    scope: z.enum(['due', 'overdue', 'open', 'done', 'all']).default('open'),
    /** "due" means due by this instant (a date alone: by the end of that day), read in the tenant's time zone (tenants.time_zone); defaults to the end of today there. */
    dueBefore: isoDate().optional(),
    ownerId: z.uuid().optional(),
    contactId: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** Keyset: only follow-ups ordered after this one (dueAt, id), for paging. */
    after: z.object({ dueAt: isoDate(), id: z.uuid() }).strict().optional(),
  })
  .strict();
export type ListFollowUpsQuery = z.input<typeof ListFollowUpsQuery>;

/** The list's filters with page/limit (REST): page ≤ 500, limit ≤ 100. */
export const FollowUpPageQuery = ListFollowUpsQuery.omit({ limit: true, after: true }).extend(ListPageQuery).strict();
