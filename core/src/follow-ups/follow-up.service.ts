import type { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/postgresql';
import { authorize, grantOf } from '../auth/rbac.ts';
import { diffRecords, writeAudit } from '../audit/audit.service.ts';
import { loadContact } from '../contacts/contact.service.ts';
import type { Database, EntityManager } from '../db/database.ts';
import { offsetPageCounting, type ListPage } from '../db/offset-page.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { assertUuid } from '../errors/uuid.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { writeEvent } from '../outbox/outbox.writer.ts';
import { endOfLocalDay } from '../tenants/local-day.ts';
import { DEFAULT_TENANT_LOCALE, placeInTenantZone } from '../tenants/tenant-settings.ts';
import { LocalDay } from '../errors/safe-input.schema.ts';
import { UserEntity } from '../users/user.entity.ts';
import type { Actor } from '../users/user.schema.ts';

type FollowUpFilters = Omit<z.output<typeof ListFollowUpsQuery>, 'limit'>;
import { FollowUpEntity } from './follow-up.entity.ts';
import { CreateFollowUpInput, FollowUpPageQuery, ListFollowUpsQuery, type FollowUp } from './follow-up.schema.ts';

function toFollowUp(e: Record<string, unknown>): FollowUp {
  return {
    id: e.id as string,
    tenantId: e.tenantId as string,
    contactId: e.contactId as string,
    ownerId: e.ownerId as string,
    title: e.title as string,
    notes: (e.notes as string | null) ?? null,
    dueAt: e.dueAt as Date,
    done: Boolean(e.done),
    completedAt: (e.completedAt as Date | null) ?? null,
    interactionId: (e.interactionId as string | null) ?? null,
    createdAt: e.createdAt as Date,
  };
}

/** The end of the tenant's "today" (its `tenants.time_zone`, default Europe/London). */
async function endOfTenantDay(em: EntityManager, now: Date): Promise<Date> {
  const [row] = await em.execute<{ time_zone: string }[]>('SELECT time_zone FROM tenants WHERE id = crm_current_tenant()');
  return endOfLocalDay(now, row?.time_zone ?? DEFAULT_TENANT_LOCALE.timeZone);
}

const DAY_MS = 24 * 3600_000;

/**
 * When an open follow-up may be due: overdue by up to a year is a real backlog; further back (or more
 * than ten years ahead) is a typo in the year that would sit at the top of every "overdue" list.
 */
function refuseImplausibleDue(dueAt: Date, now: Date): void {
  if (dueAt.getTime() < now.getTime() - 366 * DAY_MS) {
    throw AppError.validation([{ path: 'dueAt', reason: `must not be more than a year in the past (got ${dueAt.toISOString()}; is the year right?)` }]);
  }
  if (dueAt.getTime() > now.getTime() + 10 * 366 * DAY_MS) {
    throw AppError.validation([{ path: 'dueAt', reason: `must not be more than ten years ahead (got ${dueAt.toISOString()}; is the year right?)` }]);
  }
}

export interface FollowUpServiceOptions {
  /** The clock ("due today", "overdue"); tests pin it. */
  now?: () => Date;
}

/** Follow-ups are tasks on a contact: read/write them like interactions, scoped to the owner for reps. */
export function createFollowUpService(db: Database, options: FollowUpServiceOptions = {}) {
  const clock = options.now ?? (() => new Date());

  /** The follow-ups a list query selects, within what the actor may read. */
  async function whereOf(em: EntityManager, actor: Actor, q: FollowUpFilters): Promise<Record<string, unknown>> {
    const grant = grantOf(actor, 'interactions:read');
    if (grant === 'none') authorize(actor, 'interactions:read');
    const now = clock();
    const where: Record<string, unknown> = {};
    // a date alone ("due by 2026-12-03") includes that whole local day, as the default "today" does
    const placed = await placeInTenantZone(em, { dueBefore: q.dueBefore, afterDueAt: q.after?.dueAt }, ['dueBefore']);
    const dueBy = placed.dueBefore && q.dueBefore instanceof LocalDay ? new Date(placed.dueBefore.getTime() - 1) : placed.dueBefore;
    if (q.scope === 'due') Object.assign(where, { done: false, dueAt: { $lte: dueBy ?? (await endOfTenantDay(em, now)) } });
    if (q.scope === 'overdue') Object.assign(where, { done: false, dueAt: { $lt: now } });
    if (q.scope === 'open') where.done = false;
    if (q.scope === 'done') where.done = true;
    if (q.contactId) where.contactId = q.contactId;
    if (q.ownerId) where.ownerId = q.ownerId;
    if (grant === 'own') where.ownerId = actor.userId;
    if (q.after) where.$and = [{ $or: [{ dueAt: { $gt: placed.afterDueAt } }, { dueAt: placed.afterDueAt, id: { $gt: q.after.id } }] }];
    return where;
  }

  /** The contact and owner of a new follow-up, once the actor may add it (the write and its pre-check). */
  async function authorizeCreate(em: EntityManager, actor: Actor, input: z.output<typeof CreateFollowUpInput>) {
    const contact = await loadContact(em, input.contactId);
    const ownerId = input.ownerId ?? contact.assignedTo ?? actor.userId;
    // a rep may add follow-ups only on their own contacts and only for themselves
    authorize(actor, 'interactions:write', { ownerId: contact.assignedTo });
    if (ownerId !== actor.userId) authorize(actor, 'interactions:write', { ownerId });
    if (!(await em.findOne(UserEntity, { id: ownerId }, { fields: ['id'] }))) {
      throw AppError.validation([{ path: 'ownerId', reason: `no user ${ownerId} in this tenant` }]);
    }
    return { contact, ownerId };
  }

  /** The follow-up to complete, once the actor may complete it (the write and its pre-check). */
  async function authorizeComplete(em: EntityManager, actor: Actor, id: string) {
    const e = await em.findOne(FollowUpEntity, { id });
    if (!e) throw AppError.notFound('FollowUp', id);
    authorize(actor, 'interactions:write', { ownerId: e.ownerId });
    return e;
  }

  return {
    /** Would `create` / `complete` be allowed? Their validation and authorization, without writing (the approval queue asks first). */
    checks: {
      async create(actor: Actor, raw: unknown): Promise<void> {
        const input = parseOrThrow(CreateFollowUpInput, raw);
        refuseImplausibleDue(input.dueAt, clock());
        await db.withTenant(actor.tenantId, (em) => authorizeCreate(em, actor, input));
      },
      async complete(actor: Actor, id: string): Promise<void> {
        assertUuid(id);
        await db.withTenant(actor.tenantId, (em) => authorizeComplete(em, actor, id));
      },
    },

    async create(actor: Actor, raw: unknown): Promise<FollowUp> {
      const input = parseOrThrow(CreateFollowUpInput, raw);
      refuseImplausibleDue(input.dueAt, clock());
      return inTenantTx(db, actor, async (em) => {
        const { dueAt } = await placeInTenantZone(em, { dueAt: input.dueAt });
        const { contact, ownerId } = await authorizeCreate(em, actor, input);
        const row = {
          id: randomUUID(),
          tenantId: actor.tenantId,
          contactId: contact.id,
          ownerId,
          title: input.title,
          notes: input.notes ?? null,
          dueAt,
          done: false,
          completedAt: null,
          interactionId: null,
          dueNotifiedAt: null,
          createdAt: new Date(),
        };
        em.create(FollowUpEntity, row);
        await em.flush();
        const fu = toFollowUp(row);
        await writeAudit(em, actor, 'follow-up.created', 'follow_up', fu.id, diffRecords(null, fu));
        await writeEvent(em, actor, 'follow-up.created', { type: 'contact', id: contact.id }, { followUp: fu });
        return fu;
      });
    },

    async list(actor: Actor, raw: unknown = {}): Promise<FollowUp[]> {
      const q = parseOrThrow(ListFollowUpsQuery, raw);
      return inTenantTx(db, actor, async (em) => {
        const rows = await em.find(FollowUpEntity, await whereOf(em, actor, q), { orderBy: { dueAt: 'asc', id: 'asc' }, limit: q.limit });
        return rows.map((r) => toFollowUp(r as unknown as Record<string, unknown>));
      });
    },

    /** One page (page/limit) with its count, for lists with no cap on how far they go. */
    async page(actor: Actor, raw: unknown = {}): Promise<ListPage<FollowUp>> {
      const { page, limit, ...q } = parseOrThrow(FollowUpPageQuery, raw);
      return inTenantTx(db, actor, async (em) => {
        const where = await whereOf(em, actor, q);
        const rows = await em.find(FollowUpEntity, where, { orderBy: { dueAt: 'asc', id: 'asc' }, limit: limit + 1, offset: (page - 1) * limit });
        return offsetPageCounting(rows.map((r) => toFollowUp(r as unknown as Record<string, unknown>)), page, limit, () => em.count(FollowUpEntity, where));
      });
    },

    async complete(actor: Actor, id: string, note?: string): Promise<FollowUp> {
      assertUuid(id);
      return inTenantTx(db, actor, async (em) => {
        const e = await authorizeComplete(em, actor, id);
        if (e.done) return toFollowUp(e as unknown as Record<string, unknown>);
        const before = toFollowUp(e as unknown as Record<string, unknown>);
        e.done = true;
        e.completedAt = new Date();
        if (note) e.notes = e.notes ? `${e.notes}\n${note}` : note;
        await em.flush();
        const fu = toFollowUp(e as unknown as Record<string, unknown>);
        await writeAudit(em, actor, 'follow-up.completed', 'follow_up', id, diffRecords(before, fu));
        await writeEvent(em, actor, 'follow-up.completed', { type: 'contact', id: fu.contactId }, { followUp: fu });
        return fu;
      });
    },

    /**
     * Emit `follow-up.due` once for every open follow-up whose due time has passed, tenant by
     * tenant (each in its own RLS scope). Returns how many were emitted.
     */
    async emitDue(now = new Date()): Promise<number> {
      const tenants = await db.asWorker(async (c) => (await c.query<{ id: string }>('SELECT id FROM tenants')).rows);
      let total = 0;
      for (const t of tenants) {
        total += await inTenantTx(db, { tenantId: t.id }, async (em) => {
          // FOR UPDATE SKIP LOCKED: two replicas scanning at once (different slots that overlap)
          // never both see the same row as not yet announced
          const due = await em.find(
            FollowUpEntity,
            { done: false, dueNotifiedAt: null, dueAt: { $lte: now } },
            { limit: 1000, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
          );
          for (const e of due) {
            e.dueNotifiedAt = now;
            await writeEvent(em, { tenantId: t.id, userId: null }, 'follow-up.due', { type: 'contact', id: e.contactId }, {
              followUp: toFollowUp(e as unknown as Record<string, unknown>),
            });
          }
          await em.flush();
          return due.length;
        });
      }
      return total;
    },
  };
}

export type FollowUpService = ReturnType<typeof createFollowUpService>;
