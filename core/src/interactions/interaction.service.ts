import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { authorize, grantOf } from '../auth/rbac.ts';
import { diffRecords, writeAudit } from '../audit/audit.service.ts';
import { loadContact } from '../contacts/contact.service.ts';
import type { Database } from '../db/database.ts';
import { cappedCountSql, offsetPage, type ListPage } from '../db/offset-page.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { FollowUpEntity } from '../follow-ups/follow-up.entity.ts';
import { placeForTenant, placeInTenantZone } from '../tenants/tenant-settings.ts';
import { writeEvent } from '../outbox/outbox.writer.ts';
import type { Actor } from '../users/user.schema.ts';
import { InteractionEntity } from './interaction.entity.ts';
import { toInteraction } from './interaction.mapper.ts';
import { ListInteractionsQuery, LogInteractionInput, TimelinePageQuery, TimelineQuery, type Interaction } from './interaction.schema.ts';

export type InteractionPage = ListPage<Interaction>;

export function createInteractionService(db: Database) {
  /** The contact an interaction would be logged on, once the actor may log on it (the write and its pre-check). */
  async function authorizeLog(em: EntityManager, actor: Actor, contactId: string) {
    const contact = await loadContact(em, contactId);
    authorize(actor, 'interactions:write', { ownerId: contact.assignedTo });
    return contact;
  }

  async function log(em: EntityManager, actor: Actor, raw: unknown): Promise<Interaction> {
    const input = parseOrThrow(LogInteractionInput, raw);
    const contact = await authorizeLog(em, actor, input.contactId);
    const placed = await placeInTenantZone(em, { occurredAt: input.occurredAt, scheduledFollowUp: input.scheduledFollowUp });
    const occurredAt = placed.occurredAt ?? new Date();
    const scheduledFollowUp = placed.scheduledFollowUp;
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
      scheduledFollowUp: scheduledFollowUp ?? null,
      attachments: input.attachments,
      sentiment: input.sentiment ?? null,
      tags: input.tags,
      metadata: input.metadata,
      createdAt: occurredAt,
    };
    em.create(InteractionEntity, row);
    if (scheduledFollowUp) {
      em.create(FollowUpEntity, {
        id: randomUUID(),
        tenantId: actor.tenantId,
        contactId: contact.id,
        ownerId: contact.assignedTo ?? actor.userId,
        title: `Follow up: ${input.subject ?? input.type.toLowerCase().replace('_', ' ')}`,
        notes: input.outcome ?? null,
        dueAt: scheduledFollowUp,
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
    /** Would `log` be allowed? Its validation and authorization, without writing (the approval queue asks first). */
    checks: {
      async log(actor: Actor, raw: unknown): Promise<void> {
        const input = parseOrThrow(LogInteractionInput, raw);
        await db.withTenant(actor.tenantId, (em) => authorizeLog(em, actor, input.contactId));
      },
    },

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
        const { before } = await placeInTenantZone(em, { before: q.before });
        if (before && q.beforeId) where.$or = [{ createdAt: { $lt: before } }, { createdAt: before, id: { $lt: q.beforeId } }];
        else if (before) where.createdAt = { $lt: before };
        const rows = await em.find(InteractionEntity, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: q.limit });
        return {
          contact: { id: contact.id, name: `${contact.firstName} ${contact.lastName}` },
          interactions: rows.map((r) => toInteraction(r as unknown as Record<string, unknown>)),
        };
      });
    },

    /**
     * The newest `limit` interactions of each of these contacts (optionally of one type) in ONE
     * statement, for GraphQL's batched `interactions`/`recentActivity` of a page of contacts. The
     * rep rule is the timeline's; an id that names no contact of the tenant gets an empty list.
     */
    async timelines(actor: Actor, contactIds: readonly string[], raw: unknown = {}): Promise<Map<string, Interaction[]>> {
      if (grantOf(actor, 'interactions:read') === 'none') authorize(actor, 'interactions:read');
      const own = grantOf(actor, 'interactions:read') === 'own';
      const q = parseOrThrow(TimelineQuery.pick({ type: true, limit: true }), raw);
      const ids = [...new Set(contactIds)];
      ids.forEach((id, i) => parseOrThrow(z.uuid('must be a contact id (UUID)'), id, `contactIds.${i}`));
      const out = new Map<string, Interaction[]>(ids.map((id) => [id, []]));
      if (!ids.length) return out;
      const [rows] = await db.readAsTenant(actor.tenantId, [
        {
          sql: `SELECT i.* FROM unnest($1::uuid[]) AS c(id)
                CROSS JOIN LATERAL (
                  SELECT i.* FROM interactions i JOIN contacts ct ON ct.id = i.contact_id
                  WHERE i.contact_id = c.id AND ($2::text IS NULL OR i.type = $2::text)
                    AND (NOT $3::boolean OR ct.assigned_to = $4::uuid OR i.user_id = $4::uuid)
                  ORDER BY i.created_at DESC, i.id DESC LIMIT $5::int
                ) i`,
          params: [`{${ids.join(',')}}`, q.type ?? null, own, actor.userId, q.limit],
        },
      ]);
      for (const r of rows) out.get(r.contact_id as string)?.push(toInteraction(r));
      return out;
    },

    /**
     * Interactions across the tenant's contacts (or one contact's), newest first, one page and its
     * capped count in one round trip. The rep rule is the timeline's: every interaction on their own
     * contacts, and the ones they logged themselves elsewhere. Served by interactions_tenant_created_idx (and _user_created_idx for a rep), migration 0220.
     */
    async list(actor: Actor, raw: unknown = {}, contactId?: string): Promise<InteractionPage> {
      const grant = authorize(actor, 'interactions:read', { allowOwnScope: true });
      const q = parseOrThrow(ListInteractionsQuery, raw);
      // offset-less bounds are the tenant's wall clock; a date-only `to` includes that whole local day
      const { from, to } = await placeForTenant(db, actor.tenantId, { from: q.from, to: q.to }, ['to']);
      return (await pageInteractions(actor, grant, { ...q, from, to }, contactId)).page;
    },

    /**
     * One contact's timeline a page at a time, with its capped count (the timeline's rule for a rep,
     * `list`'s paging: nothing capped at 500 rows). `before` is exclusive; a date alone is its local midnight.
     */
    async timelinePage(actor: Actor, contactId: string, raw: unknown = {}): Promise<InteractionPage & { contact: { id: string; name: string } }> {
      const grant = authorize(actor, 'interactions:read', { allowOwnScope: true });
      const q = parseOrThrow(TimelinePageQuery, raw);
      const { before } = await placeForTenant(db, actor.tenantId, { before: q.before });
      const { page, contact } = await pageInteractions(actor, grant, { ...q, to: before }, contactId);
      return { contact: contact!, ...page };
    },
  };

  async function pageInteractions(
    actor: Actor,
    grant: ReturnType<typeof authorize>,
    q: { type?: string; direction?: string; from?: Date; to?: Date; userId?: string; ownerId?: string; page: number; limit: number },
    contactId: string | undefined,
  ): Promise<{ page: InteractionPage; contact?: { id: string; name: string } }> {
    const where: string[] = [];
    const params: (string | Date)[] = [];
    const add = (sql: string, ...values: (string | Date)[]) => {
      let text = sql;
      for (const v of values) {
        params.push(v);
        text = text.replace('?', `$${params.length}`);
      }
      where.push(text);
    };
    if (contactId) add('i.contact_id = ?', parseOrThrow(z.uuid('must be a contact id (UUID)'), contactId, 'contactId'));
    if (q.type) add('i.type = ?', q.type);
    if (q.direction) add('i.direction = ?', q.direction);
    if (q.from) add('i.created_at >= ?', q.from);
    if (q.to) add('i.created_at < ?', q.to);
    if (q.userId) add('i.user_id = ?', q.userId);
    if (q.ownerId) add('i.contact_id IN (SELECT id FROM contacts WHERE assigned_to = ?)', q.ownerId);
    if (grant === 'own') add('(i.user_id = ? OR i.contact_id IN (SELECT id FROM contacts WHERE assigned_to = ?))', actor.userId ?? '', actor.userId ?? '');
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const offset = (q.page - 1) * q.limit;
    const [rows, count, contactRows] = await db.readAsTenant(actor.tenantId, [
      { sql: `SELECT i.* FROM interactions i ${whereSql} ORDER BY i.created_at DESC, i.id DESC LIMIT ${q.limit + 1} OFFSET ${offset}`, params },
      { sql: cappedCountSql(`FROM interactions i ${whereSql}`), params },
      { sql: contactId ? 'SELECT id, first_name, last_name FROM contacts WHERE id = $1' : 'SELECT 1 WHERE false', params: contactId ? [contactId] : [] },
    ]);
    const c = contactRows[0];
    if (contactId && !c) throw AppError.notFound('Contact', contactId);
    const page = offsetPage(rows.map((r) => toInteraction(r)), Number(count[0]?.n ?? 0), q.page, q.limit);
    return { page, contact: c ? { id: c.id as string, name: `${c.first_name as string} ${c.last_name as string}` } : undefined };
  }
}

export type InteractionService = ReturnType<typeof createInteractionService>;
