import { authorize } from '../auth/rbac.ts';
import { writeAudit } from '../audit/audit.service.ts';
import type { Database, EntityManager } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { writeEvent } from '../outbox/outbox.writer.ts';
import type { Actor } from '../users/user.schema.ts';
import { z } from 'zod';
import { findDuplicatePairs, PGLITE_STEPS, SERVER_STEPS, type DuplicatePair } from './contact-duplicates.ts';
import { toContact } from './contact.mapper.ts';
import { loadContact } from './contact.service.ts';
import type { Contact } from './contact.schema.ts';

export const FindDuplicatesQuery = z
  .object({ contactId: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(200).default(50) })
  .strict();

export const MergeContactsInput = z
  .object({ primaryId: z.uuid('must be a contact id (UUID)'), duplicateId: z.uuid('must be a contact id (UUID)') })
  .strict()
  .refine((v) => v.primaryId !== v.duplicateId, { message: 'a contact cannot be merged into itself', path: ['duplicateId'] });

/** Both contacts of a merge, once the actor may change both (the merge and its pre-check). */
async function authorizeMerge(em: EntityManager, actor: Actor, input: z.output<typeof MergeContactsInput>) {
  const primary = await loadContact(em, input.primaryId);
  const dup = await loadContact(em, input.duplicateId);
  authorize(actor, 'contacts:write', { ownerId: primary.assignedTo });
  authorize(actor, 'contacts:write', { ownerId: dup.assignedTo });
  return { primary, dup };
}

export function createContactMergeService(db: Database) {
  return {
    /** Would `merge` be allowed? Its validation and authorization, without writing (the approval queue asks first). */
    checks: {
      async merge(actor: Actor, raw: unknown): Promise<void> {
        const input = parseOrThrow(MergeContactsInput, raw);
        await db.withTenant(actor.tenantId, (em) => authorizeMerge(em, actor, input));
      },
    },

    async findDuplicates(actor: Actor, raw: unknown = {}): Promise<DuplicatePair[]> {
      authorize(actor, 'contacts:read');
      const q = parseOrThrow(FindDuplicatesQuery, raw);
      // Read-only, so plain tenant transactions (no outbox nudge). On PGlite, which serves one
      // transaction at a time, the whole-tenant scan takes short turns; a server runs it in one.
      if (!q.contactId && db.kind === 'pglite') return findDuplicatePairs((fn) => db.withTenant(actor.tenantId, fn), q, PGLITE_STEPS);
      if (!q.contactId) return db.withTenant(actor.tenantId, (em) => findDuplicatePairs((fn) => fn(em), q, SERVER_STEPS));
      return inTenantTx(db, actor, async (em) => {
        await loadContact(em, q.contactId!);
        return findDuplicatePairs((fn) => fn(em), q);
      });
    },

    /**
     * Merge `duplicateId` into `primaryId`: interactions and follow-ups move, empty fields of the
     * primary are filled from the duplicate, custom fields are united (primary wins), the
     * duplicate's email is kept as an alternate, and the full duplicate is preserved in the audit log.
     */
    async merge(actor: Actor, raw: unknown): Promise<{ contact: Contact; moved: { interactions: number; followUps: number } }> {
      const input = parseOrThrow(MergeContactsInput, raw);
      return inTenantTx(db, actor, async (em) => {
        const { primary, dup } = await authorizeMerge(em, actor, input);
        const moved = {
          interactions: Number(
            (await em.execute<{ n: string }[]>('WITH m AS (UPDATE interactions SET contact_id = ? WHERE contact_id = ? RETURNING 1) SELECT count(*) AS n FROM m', [primary.id, dup.id]))[0].n,
          ),
          followUps: Number(
            (await em.execute<{ n: string }[]>('WITH m AS (UPDATE follow_ups SET contact_id = ? WHERE contact_id = ? RETURNING 1) SELECT count(*) AS n FROM m', [primary.id, dup.id]))[0].n,
          ),
        };
        const alternates = new Set<string>([...((primary.customFields.alternateEmails as string[]) ?? []), dup.email, ...((dup.customFields.alternateEmails as string[]) ?? [])]);
        const customFields = { ...dup.customFields, ...primary.customFields, alternateEmails: [...alternates] };
        const pick = <T>(a: T | null, b: T | null) => (a ?? b) as T | null;
        const lastContact = [primary.lastContactDate, dup.lastContactDate].filter(Boolean).sort((x, y) => +y! - +x!)[0] ?? null;
        await em.execute('DELETE FROM contacts WHERE id = ?', [dup.id]);
        const [row] = await em.execute<Record<string, unknown>[]>(
          `UPDATE contacts SET phone = ?, company = ?, position = ?, assigned_to = ?, lead_score = ?, custom_fields = ?,
             metadata = ?, last_contact_date = ?, created_at = least(created_at, ?), updated_at = now()
           WHERE id = ? RETURNING *`,
          [
            pick(primary.phone, dup.phone),
            pick(primary.company, dup.company),
            pick(primary.position, dup.position),
            pick(primary.assignedTo, dup.assignedTo),
            Math.max(primary.leadScore, dup.leadScore),
            JSON.stringify(customFields),
            JSON.stringify({ ...dup.metadata, ...primary.metadata }),
            lastContact,
            dup.createdAt,
            primary.id,
          ],
        );
        if (!row) throw new AppError('CONFLICT', 'The primary contact changed during the merge; retry');
        const contact = toContact(row);
        await writeAudit(em, actor, 'contact.merged', 'contact', primary.id, {
          before: { primary, duplicate: dup },
          after: { ...contact, moved } as unknown as Record<string, unknown>,
        } as never);
        await writeEvent(em, actor, 'contact.merged', { type: 'contact', id: primary.id }, { contact, mergedId: dup.id, moved });
        await writeEvent(em, actor, 'contact.updated', { type: 'contact', id: primary.id }, { contact, changes: ['merged'] });
        return { contact, moved };
      });
    },
  };
}

export type ContactMergeService = ReturnType<typeof createContactMergeService>;
