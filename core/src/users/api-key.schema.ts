import { z } from 'zod';

export const API_KEY_STATUSES = ['active', 'expired', 'revoked'] as const;

export const ApiKeyInfo = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  /** The key's first characters, to tell keys apart; the key itself is never stored. */
  prefix: z.string(),
  status: z.enum(API_KEY_STATUSES),
  createdAt: z.date(),
  expiresAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

const Expiry = z.coerce
  .date({ error: 'must be a date, e.g. 2027-01-31' })
  .refine((d) => d.getTime() > Date.now(), 'must be in the future');

export const CreateApiKeyInput = z
  .object({
    userId: z.uuid('must be a user id (UUID)'),
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      // not .default(fn): JSON Schema printed the default computed when the document was built, so
      // the OpenAPI document offered one fixed past time as every key's name (QA round 6)
      .optional()
      .transform((name) => name ?? `key-${new Date().toISOString().slice(0, 19).replace('T', '-')}`)
      .describe('Defaults to key-<creation time, UTC>, e.g. key-2026-12-01-09:30:00'),
    expiresAt: Expiry.optional(),
  })
  .strict();
export type CreateApiKeyInput = z.input<typeof CreateApiKeyInput>;

export const RotateApiKeyInput = z.object({ expiresAt: Expiry.optional() }).strict();

export const ListApiKeysQuery = z
  .object({ userId: z.uuid().optional(), includeInactive: z.boolean().default(false) })
  .strict();
