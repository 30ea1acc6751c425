import { z } from 'zod';
import { boundedJsonObject, isoDate as isoDateInput } from '../errors/safe-input.schema.ts';

export const CONTACT_STATUSES = ['LEAD', 'PROSPECT', 'CUSTOMER', 'INACTIVE'] as const;
export const ContactStatus = z.enum(CONTACT_STATUSES);
export type ContactStatus = z.infer<typeof ContactStatus>;

// Composed Unicode (NFC) before the length checks: "Mu\u0308ller" sent decomposed (macOS, some
// exports) is stored as "Müller", so it matches a search typed with "ü", whichever entry point it came through
const name = (label: string) =>
  z.string().trim().normalize('NFC').min(1, `${label} is required`).max(100, `${label} must be at most 100 characters`);
const optionalText = (max: number) => z.string().trim().normalize('NFC').max(max, `must be at most ${max} characters`);

/**
 * zod's default e-mail pattern with letters, marks and digits of any script (RFC 6531 addresses:
 * "josé.garcía@example.com", "müller@bücher.de" appear in real exports); the same rules otherwise:
 * no leading, trailing or doubled dot in the local part, a dotted domain ending in 2+ letters.
 */
const INTERNATIONAL_EMAIL = /^(?:[\p{L}\p{M}\p{N}_'+-]+\.)*[\p{L}\p{M}\p{N}_'+-]*[\p{L}\p{M}\p{N}_+-]@(?:[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}-]*\.)+[\p{L}\p{M}]{2,}$/u;

export const Email = z
  .string()
  .trim()
  .normalize('NFC')
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ pattern: INTERNATIONAL_EMAIL, error: 'must be a valid email address' }));

/**
 * "" (or only spaces) in an optional text field means "no value", as a web form sends an empty field:
 * nothing is stored on create and the value is cleared on update (null), for every such field alike.
 */
const blankAsNull = (v: string): string | null => (v === '' ? null : v);

export const Phone = z
  .string()
  .trim()
  .max(40, 'must be at most 40 characters')
  .regex(/^(?:|[+()\d\s.\-x/]{3,})$/i, 'must be a phone number (digits, spaces, + ( ) - . x)')
  .transform(blankAsNull);

const clearableText = (max: number) => optionalText(max).transform(blankAsNull);

export const LeadScore = z
  .number({ error: 'must be a number' })
  .min(0, 'must be between 0 and 100')
  .max(100, 'must be between 0 and 100');

export const ContactMetadata = z
  .object({
    ipAddress: optionalText(64).optional(),
    userAgent: optionalText(512).optional(),
    referrer: optionalText(2048).optional(),
    campaignId: optionalText(128).optional(),
    leadMagnet: optionalText(256).optional(),
  })
  .strict();
export type ContactMetadata = z.infer<typeof ContactMetadata>;

/** Flexible per-tenant fields; bounded so one contact cannot carry megabytes of JSON. */
export const CustomFields = boundedJsonObject();

export const Contact = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  company: z.string().nullable(),
  position: z.string().nullable(),
  leadScore: z.number(),
  status: ContactStatus,
  source: z.string(),
  assignedTo: z.uuid().nullable(),
  customFields: z.record(z.string(), z.unknown()),
  metadata: ContactMetadata,
  lastContactDate: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Contact = z.infer<typeof Contact>;

export const CreateContactInput = z
  .object({
    firstName: name('firstName'),
    lastName: name('lastName'),
    email: Email,
    phone: Phone.optional(),
    company: clearableText(200).optional(),
    position: clearableText(200).optional(),
    leadScore: LeadScore.optional(),
    status: ContactStatus.optional(),
    source: optionalText(100).min(1, 'source must not be empty').optional(),
    assignedTo: z.uuid('must be a user id (UUID)').optional(),
    customFields: CustomFields.optional(),
    metadata: ContactMetadata.optional(),
  })
  .strict();
export type CreateContactInput = z.input<typeof CreateContactInput>;

/** Status changes go through changeStatus so they are audited and emit their own event. */
export const UpdateContactInput = z
  .object({
    firstName: name('firstName'),
    lastName: name('lastName'),
    email: Email,
    phone: Phone.nullable(),
    company: clearableText(200).nullable(),
    position: clearableText(200).nullable(),
    leadScore: LeadScore,
    source: optionalText(100).min(1),
    assignedTo: z.uuid('must be a user id (UUID)').nullable(),
    customFields: CustomFields,
    metadata: ContactMetadata,
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field must be given');
export type UpdateContactInput = z.input<typeof UpdateContactInput>;

export const CONTACT_SORT_FIELDS = ['createdAt', 'updatedAt', 'leadScore', 'lastName', 'lastContactDate'] as const;

const isoDate = isoDateInput();

export const ListContactsQuery = z
  .object({
    page: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').default(1),
    limit: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
    search: z.string().trim().normalize('NFC').max(200, 'must be at most 200 characters').optional(),
    status: ContactStatus.optional(),
    leadScoreMin: z.coerce.number().min(0).max(100).optional(),
    leadScoreMax: z.coerce.number().min(0).max(100).optional(),
    assignedTo: z.uuid('must be a user id (UUID)').optional(),
    source: z.string().max(100).optional(),
    createdAfter: isoDate.optional(),
    createdBefore: isoDate.optional(),
    lastContactedBefore: isoDate.optional(),
    sort: z.enum(CONTACT_SORT_FIELDS).default('createdAt'),
    order: z.enum(['asc', 'desc']).default('desc'),
  })
  .strict()
  // an inverted range matched nothing and looked like "no such contacts"
  .superRefine((q, ctx) => {
    if (q.leadScoreMin !== undefined && q.leadScoreMax !== undefined && q.leadScoreMin > q.leadScoreMax) {
      ctx.addIssue({ code: 'custom', path: ['leadScoreMax'], message: `must be at least leadScoreMin (${q.leadScoreMin})` });
    }
    if (q.createdAfter && q.createdBefore && q.createdBefore.getTime() <= q.createdAfter.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['createdBefore'], message: 'must be later than createdAfter' });
    }
  });
export type ListContactsQuery = z.input<typeof ListContactsQuery>;

export const ChangeStatusInput = z
  .object({ status: ContactStatus, reason: z.string().trim().normalize('NFC').max(500).optional() })
  .strict();
