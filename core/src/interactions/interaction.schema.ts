import { z } from 'zod';
import { boundedJsonObject, endOfBound, isoDate, tooFarAhead } from '../errors/safe-input.schema.ts';

export const INTERACTION_TYPES = [
  'EMAIL',
  'PHONE_CALL',
  'MEETING',
  'CHAT',
  'SOCIAL_MEDIA',
  'FORM_SUBMISSION',
  'WEBSITE_VISIT',
] as const;
export const InteractionType = z.enum(INTERACTION_TYPES);
export type InteractionType = z.infer<typeof InteractionType>;

export const CHANNELS = ['EMAIL', 'PHONE', 'LINKEDIN', 'TWITTER', 'FACEBOOK', 'WEBSITE', 'CHAT', 'IN_PERSON'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const Direction = z.enum(['INBOUND', 'OUTBOUND']);
export type Direction = z.infer<typeof Direction>;

export const SentimentScore = z
  .object({
    score: z.number().min(-1, 'must be between -1 and 1').max(1, 'must be between -1 and 1'),
    confidence: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
    emotions: z.array(z.string().max(50)).max(20).default([]),
  })
  .strict();
export type SentimentScore = z.infer<typeof SentimentScore>;

export const Interaction = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  contactId: z.uuid(),
  userId: z.uuid().nullable(),
  type: InteractionType,
  channel: Channel,
  subject: z.string().nullable(),
  content: z.string(),
  direction: Direction,
  duration: z.number().nullable(),
  outcome: z.string().nullable(),
  scheduledFollowUp: z.date().nullable(),
  attachments: z.array(z.string()),
  sentiment: SentimentScore.nullable(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.date(),
});
export type Interaction = z.infer<typeof Interaction>;

// text is stored composed (NFC), as contacts' names are (contact.schema.ts)
export const LogInteractionInput = z
  .object({
    contactId: z.uuid('must be a contact id (UUID)'),
    type: InteractionType,
    channel: Channel,
    subject: z.string().trim().normalize('NFC').max(300, 'must be at most 300 characters').optional(),
    content: z.string().normalize('NFC').max(50_000, 'must be at most 50,000 characters').default(''),
    direction: Direction,
    duration: z.number().int('must be whole minutes').min(0).max(24 * 60, 'must be at most 1440 minutes').optional(),
    outcome: z.string().trim().normalize('NFC').max(1000).optional(),
    scheduledFollowUp: isoDate().optional(),
    attachments: z.array(z.string().max(2048)).max(50).default([]),
    sentiment: SentimentScore.optional(),
    tags: z.array(z.string().trim().normalize('NFC').min(1).max(50)).max(30).default([]),
    metadata: boundedJsonObject().default({}),
    /**
     * When the interaction happened; defaults to now. Imports and back-filling set it. It moves the
     * contact's lastContactDate forward, so a typo far ahead (2099) would keep the contact from ever
     * looking stale: at most a day ahead (client clocks and time zones), planned contact is a follow-up.
     */
    occurredAt: isoDate()
      .refine((d) => !tooFarAhead(d), 'must not be in the future (at most a day ahead); plan future contact with scheduledFollowUp or a follow-up')
      .optional(),
  })
  .strict();
export type LogInteractionInput = z.input<typeof LogInteractionInput>;

export const TimelineQuery = z
  .object({
    type: InteractionType.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    before: isoDate().optional(),
    /** With `before`: also the interactions at exactly `before` whose id sorts below this one (keyset paging). */
    beforeId: z.uuid().optional(),
  })
  .strict();
export type TimelineQuery = z.input<typeof TimelineQuery>;

/** Interactions across every contact of the tenant (REST `GET /interactions` without `contactId`). */
export const ListInteractionsFilters = z
  .object({
    type: InteractionType.optional(),
    direction: Direction.optional(),
    from: isoDate().optional().describe("Only interactions at or after this time (ISO 8601; without an offset, in the tenant's time zone)"),
    to: isoDate().optional().describe("Only interactions before this time (ISO 8601; without an offset, in the tenant's time zone); a date alone includes that whole day"),
    ownerId: z.uuid('must be a user id (UUID)').optional().describe("Only interactions on contacts assigned to this user"),
    userId: z.uuid('must be a user id (UUID)').optional().describe('Only interactions logged by this user'),
    page: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(500, 'must be at most 500 (narrow the filters for older pages)').default(1),
    limit: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
  })
  .strict();
/** `from` before `to` (zod runs this refinement even when a field failed to parse: then it holds, the field's own issue is reported). */
export const fromBeforeTo = (q: { from?: Date; to?: Date }) => !(q.from instanceof Date && q.to instanceof Date) || q.from.getTime() < endOfBound(q.to);
export const ListInteractionsQuery = ListInteractionsFilters.refine(fromBeforeTo, { path: ['to'], message: 'must be after from' });
export type ListInteractionsQuery = z.input<typeof ListInteractionsQuery>;

/** One contact's timeline a page at a time (REST `GET /contacts/{id}/interactions`): newest first, `before` exclusive. */
export const TimelinePageQuery = z
  .object({
    type: TimelineQuery.shape.type,
    before: TimelineQuery.shape.before,
    page: ListInteractionsFilters.shape.page,
    limit: ListInteractionsFilters.shape.limit,
  })
  .strict();
export type TimelinePageQuery = z.input<typeof TimelinePageQuery>;
