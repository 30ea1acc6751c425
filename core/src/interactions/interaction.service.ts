import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, grantOf } from '../auth/rbac.ts';
import { diffRecords, writeAudit } from '../audit/audit.service.ts';
import { loadContact } from '../contacts/contact.service.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { FollowUpEntity } from '../follow-ups/follow-up.entity.ts';
import { writeEvent } from '../outbox/outbox.writer.ts';
import type { Actor } from '../users/user.schema.ts';
import { InteractionEntity } from './interaction.entity.ts';
import { toInteraction } from './interaction.mapper.ts';
import { LogInteractionInput, TimelineQuery, type Interaction } from './interaction.schema.ts';

export function createInteractionService(db: Database) {
  async function log(em: EntityManager, actor: Actor, raw: unknown): Promise<Interaction> {
    const input = parseOrThrow(LogInteractionInput, raw);
    const contact = await loadContact(em, input.contactId);
    authorize(actor, 'interactions:write', { ownerId: contact.assignedTo });
    const occurredAt = input.occurredAt ?? new Date();
    const row = {
      id: randomUUID(),
      tenantId: actor.tenantId,
      contactId: contact.id,
      userId: actor.userId,
      type: input.type,
      channel: input.channel,
      subject: input.subject ?? null,
      content: input.content,
      direction: input.direction,
      duration: input.duration ?? null,
      outcome: input.outcome ?? null,
      scheduledFollowUp: input.scheduledFollowUp ?? null,
      attachments: input.attachments,
      sentiment: input.sentiment ?? null,
      tags: input.tags,
      metadata: input.metadata,
      createdAt: occurredAt,
    };
    em.create(InteractionEntity, row);
    if (input.scheduledFollowUp) {
      em.create(FollowUpEntity, {
        id: randomUUID(),
        tenantId: actor.tenantId,
        contactId: contact.id,
        ownerId: contact.assignedTo ?? actor.userId,
        title: `Follow up: ${input.subject ?? input.type.toLowerCase().replace('_', ' ')}`,
        notes: input.outcome ?? null,
        dueAt: input.scheduledFollowUp,
        done: false,
        completedAt: null,
        interactionId: row.id,
        dueNotifiedAt: null,
        createdAt: new Date(),
      });
    }
    await em.flush();
    await em.execute(
      'UPDATE contacts SET last_contact_date = greatest(last_contact_date, ?), updated_at = now() WHERE id = ?',
      [occurredAt, contact.id],
    );
    const interaction = toInteraction(row);
    await writeAudit(em, actor, 'interaction.logged', 'interaction', interaction.id, diffRecords(null, { ...interaction, content: undefined }));
    await writeEvent(em, actor, 'interaction.logged', { type: 'contact', id: contact.id }, { interaction });
    return interaction;
  }

  return {
    async log(actor: Actor, input: unknown): Promise<Interaction> {
      return inTenantTx(db, actor, (em) => log(em, actor, input));
    },
    logInTx: log,

    /** Newest first. A rep sees every interaction on their own contacts and only their own elsewhere. */
    async timeline(actor: Actor, contactId: string, raw: unknown = {}): Promise<{ contact: { id: string; name: string }; interactions: Interaction[] }> {
      const q = parseOrThrow(TimelineQuery, raw);
      return inTenantTx(db, actor, async (em) => {
        const contact = await loadContact(em, contactId);
        const grant = grantOf(actor, 'interactions:read');
        if (grant === 'none') authorize(actor, 'interactions:read');
        const where: Record<string, unknown> = { contactId };
        if (grant === 'own' && contact.assignedTo !== actor.userId) where.userId = actor.userId;
        if (q.type) where.type = q.type;
        if (q.before && q.beforeId) where.$or = [{ createdAt: { $lt: q.before } }, { createdAt: q.before, id: { $lt: q.beforeId } }];
        else if (q.before) where.createdAt = { $lt: q.before };
        const rows = await em.find(InteractionEntity, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: q.limit });
        return {
          contact: { id: contact.id, name: `${contact.firstName} ${contact.lastName}` },
          interactions: rows.map((r) => toInteraction(r as unknown as Record<string, unknown>)),
        };
      });
    },
  };
}

export type InteractionService = ReturnType<typeof createInteractionService>;
