import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { authorize, grantOf } from '../auth/rbac.ts';
import { diffRecords, writeAudit } from '../audit/audit.service.ts';
import { inlineParams, type Database, type ReadParam } from '../db/database.ts';
import { inTenantTx, isUniqueViolation, likeEscape } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { LocalDay } from '../errors/safe-input.schema.ts';
import { placeForTenant } from '../tenants/tenant-settings.ts';
import { assertUuid } from '../errors/uuid.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { writeEvent } from '../outbox/outbox.writer.ts';
import { UserEntity } from '../users/user.entity.ts';
import type { Actor } from '../users/user.schema.ts';
import { ContactEntity } from './contact.entity.ts';
import { toContact } from './contact.mapper.ts';
import {
  ChangeStatusInput,
  CreateContactInput,
  ListContactsQuery,
  UpdateContactInput,
  type Contact,
  type ContactStatus,
} from './contact.schema.ts';

export interface ContactPage {
  data: Contact[];
  pagination: { page: number; limit: number; totalPages: number; hasNextPage: boolean; hasPreviousPage: boolean };
  totalCount: number;
  /** False when more than EXACT_COUNT_LIMIT rows match and totalCount is the planner's estimate. */
  totalCountExact: boolean;
}

/** Counting every match of a broad filter costs O(matches); past this many we estimate instead. */
export const EXACT_COUNT_LIMIT = 10_000;

/** Extra fields an import or the demo seeder may set that the public create input does not take. */
export interface CreateContactExtras {
  status?: ContactStatus;
  createdAt?: Date;
  lastContactDate?: Date;
}

const SORT_COLUMNS: Record<string, string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  leadScore: 'lead_score',
  lastName: 'last_name',
  lastContactDate: 'last_contact_date',
};

export async function loadContact(em: EntityManager, id: string): Promise<Contact> {
  assertUuid(id);
  const entity = await em.findOne(ContactEntity, { id });
  if (!entity) throw AppError.notFound('Contact', id);
  return toContact(entity as unknown as Record<string, unknown>);
}

async function assertAssignee(em: EntityManager, userId: string | null | undefined): Promise<void> {
  if (!userId) return;
  const user = await em.findOne(UserEntity, { id: userId });
  if (!user) throw AppError.validation([{ path: 'assignedTo', reason: `no user ${userId} in this tenant` }]);
}

function emailConflict(email: string, existingId?: string): AppError {
  return new AppError('CONFLICT', `A contact with email ${email} already exists`, {
    details: [{ path: 'email', reason: 'already used by another contact in this tenant', ...(existingId ? { existingId } : {}) }],
  });
}

type ParsedCreateInput = ReturnType<typeof CreateContactInput.parse>;

export function createContactService(db: Database) {
  async function insert(em: EntityManager, actor: Actor, raw: unknown, extras: CreateContactExtras = {}): Promise<Contact> {
    return insertParsed(em, actor, parseOrThrow(CreateContactInput, raw), extras, true);
  }

  /** Who a new contact will belong to, once the actor may create it for them (the write and its pre-check). */
  async function authorizeCreate(em: EntityManager, actor: Actor, input: ParsedCreateInput): Promise<string | undefined> {
    // A rep's new contacts are theirs unless they name someone else, which needs contacts:write.
    const assignedTo = input.assignedTo ?? (grantOf(actor, 'contacts:write') === 'own' ? actor.userId : undefined);
    authorize(actor, 'contacts:write', { ownerId: assignedTo ?? null });
    // the acting user exists (they were just authenticated): only someone else named needs a look-up
    if (assignedTo !== actor.userId) await assertAssignee(em, assignedTo);
    return assignedTo;
  }

  /** `lookFirst`: find a clashing email before the insert; without it the unique index reports the clash. */
  async function insertParsed(em: EntityManager, actor: Actor, input: ParsedCreateInput, extras: CreateContactExtras, lookFirst: boolean): Promise<Contact> {
    const assignedTo = await authorizeCreate(em, actor, input);
    if (lookFirst) {
      const existing = await em.findOne(ContactEntity, { email: input.email }, { fields: ['id'] });
      if (existing) throw emailConflict(input.email, existing.id);
    }
    const now = new Date();
    const row = {
      id: randomUUID(),
      tenantId: actor.tenantId,
      firstName: input.firstName,
      lastName: input.lastName,
      email: input.email,
      phone: input.phone ?? null,
      company: input.company ?? null,
      position: input.position ?? null,
      leadScore: input.leadScore ?? 0,
      status: extras.status ?? input.status ?? 'LEAD',
      source: input.source ?? 'manual',
      assignedTo: assignedTo ?? null,
      customFields: input.customFields ?? {},
      metadata: input.metadata ?? {},
      lastContactDate: extras.lastContactDate ?? null,
      createdAt: extras.createdAt ?? now,
      updatedAt: extras.createdAt ?? now,
    };
    em.create(ContactEntity, row);
    try {
      await em.flush();
    } catch (err) {
      if (isUniqueViolation(err)) throw emailConflict(input.email);
      throw err;
    }
    const contact = toContact(row);
    await writeAudit(em, actor, 'contact.created', 'contact', contact.id, diffRecords(null, contact));
    await writeEvent(em, actor, 'contact.created', { type: 'contact', id: contact.id }, { contact });
    return contact;
  }

  /** The contact a patch would change, once the actor may change it so (the write and its pre-check). */
  async function authorizePatch(em: EntityManager, actor: Actor, id: string, input: z.output<typeof UpdateContactInput>) {
    const entity = await em.findOne(ContactEntity, { id });
    if (!entity) throw AppError.notFound('Contact', id);
    const before = toContact(entity as unknown as Record<string, unknown>);
    authorize(actor, 'contacts:write', { ownerId: before.assignedTo });
    if (input.assignedTo !== undefined && input.assignedTo !== before.assignedTo) {
      // handing a contact to someone else is a write on the new owner's behalf too
      authorize(actor, 'contacts:write', { ownerId: input.assignedTo });
      await assertAssignee(em, input.assignedTo);
    }
    return { entity, before };
  }

  /** The contact whose status would change, once the actor may change it (the write and its pre-check). */
  async function authorizeStatusChange(em: EntityManager, actor: Actor, id: string) {
    const entity = await em.findOne(ContactEntity, { id });
    if (!entity) throw AppError.notFound('Contact', id);
    authorize(actor, 'contacts:write', { ownerId: entity.assignedTo });
    return entity;
  }

  async function patch(em: EntityManager, actor: Actor, id: string, raw: unknown): Promise<Contact> {
    assertUuid(id);
    const input = parseOrThrow(UpdateContactInput, raw);
    const { entity, before } = await authorizePatch(em, actor, id, input);
    if (input.email && input.email !== before.email) {
      const other = await em.findOne(ContactEntity, { email: input.email, id: { $ne: id } }, { fields: ['id'] });
      if (other) throw emailConflict(input.email, other.id);
    }
    em.assign(entity, input as never);
    const diff = diffRecords(before, toContact(entity as unknown as Record<string, unknown>));
    // a PATCH that sends the values already there changes nothing: no write, audit row or event
    // (it wrote an empty audit diff and a contact.updated event that rescored the contact)
    if (!Object.keys(diff.after ?? {}).length) return before;
    entity.updatedAt = new Date();
    try {
      await em.flush();
    } catch (err) {
      if (isUniqueViolation(err)) throw emailConflict(String(input.email));
      throw err;
    }
    const after = toContact(entity as unknown as Record<string, unknown>);
    await writeAudit(em, actor, 'contact.updated', 'contact', id, diff);
    await writeEvent(em, actor, 'contact.updated', { type: 'contact', id }, { contact: after, changes: Object.keys(diff.after ?? {}) });
    return after;
  }

  return {
    async create(actor: Actor, raw: unknown, extras: CreateContactExtras = {}): Promise<Contact> {
      const input = parseOrThrow(CreateContactInput, raw);
      try {
        // no look-up before the insert (one round trip fewer on every create): the unique index on
        // (tenant, email) finds a clash, and only then is the clashing contact looked up to name it
        return await inTenantTx(db, actor, (em) => insertParsed(em, actor, input, extras, false));
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'CONFLICT') throw err;
        const [[row]] = await db.readAsTenant(actor.tenantId, [{ sql: 'SELECT id FROM contacts WHERE email = $1', params: [input.email] }]);
        throw emailConflict(input.email, row?.id as string | undefined);
      }
    },

    /**
     * Would these writes be allowed? The same validation, look-ups and authorization as `create`,
     * `update` and `changeStatus`, without writing (the approval queue asks before it files one).
     */
    checks: {
      async create(actor: Actor, raw: unknown): Promise<void> {
        const input = parseOrThrow(CreateContactInput, raw);
        await db.withTenant(actor.tenantId, (em) => authorizeCreate(em, actor, input));
      },
      async update(actor: Actor, id: string, raw: unknown): Promise<void> {
        assertUuid(id);
        const input = parseOrThrow(UpdateContactInput, raw);
        await db.withTenant(actor.tenantId, (em) => authorizePatch(em, actor, id, input));
      },
      async changeStatus(actor: Actor, id: string, raw: unknown): Promise<void> {
        assertUuid(id);
        parseOrThrow(ChangeStatusInput, raw);
        await db.withTenant(actor.tenantId, (em) => authorizeStatusChange(em, actor, id));
      },
    },

    /** For bulk paths (import, seeding) that already hold a transaction. */
    createInTx: insert,
    updateInTx: patch,

    async get(actor: Actor, id: string): Promise<Contact> {
      authorize(actor, 'contacts:read');
      assertUuid(id);
      const [[row]] = await db.readAsTenant(actor.tenantId, [{ sql: 'SELECT * FROM contacts WHERE id = $1', params: [id] }]);
      if (!row) throw AppError.notFound('Contact', id);
      return toContact(row);
    },

    /**
     * Contacts by id in one statement (GraphQL batches every `Interaction.contact` of a request);
     * ids that name no contact of the tenant are absent from the map. Readable as `get` is.
     */
    async getMany(actor: Actor, ids: readonly string[]): Promise<Map<string, Contact>> {
      authorize(actor, 'contacts:read');
      const unique = [...new Set(ids)];
      unique.forEach((id, i) => parseOrThrow(z.uuid('must be a contact id (UUID)'), id, `ids.${i}`));
      if (!unique.length) return new Map();
      const [rows] = await db.readAsTenant(actor.tenantId, [{ sql: 'SELECT * FROM contacts WHERE id = ANY($1::uuid[])', params: [`{${unique.join(',')}}`] }]);
      return new Map(rows.map((r) => [r.id as string, toContact(r)]));
    },

    async update(actor: Actor, id: string, input: unknown): Promise<Contact> {
      return inTenantTx(db, actor, (em) => patch(em, actor, id, input));
    },

    async changeStatus(actor: Actor, id: string, raw: unknown): Promise<Contact> {
      assertUuid(id);
      const input = parseOrThrow(ChangeStatusInput, raw);
      return inTenantTx(db, actor, async (em) => {
        const entity = await authorizeStatusChange(em, actor, id);
        const from = entity.status;
        if (from === input.status) return toContact(entity as unknown as Record<string, unknown>);
        entity.status = input.status;
        entity.updatedAt = new Date();
        await em.flush();
        const contact = toContact(entity as unknown as Record<string, unknown>);
        await writeAudit(em, actor, 'contact.status_changed', 'contact', id, {
          before: { status: from },
          after: { status: input.status, ...(input.reason ? { reason: input.reason } : {}) },
        });
        await writeEvent(em, actor, 'contact.status_changed', { type: 'contact', id }, {
          from,
          to: input.status,
          reason: input.reason ?? null,
          contact,
        });
        return contact;
      });
    },

    async list(actor: Actor, raw: unknown = {}): Promise<ContactPage> {
      authorize(actor, 'contacts:read');
      const q = parseOrThrow(ListContactsQuery, raw);
      const where: string[] = [];
      const params: ReadParam[] = [];
      const add = (sql: string, value: ReadParam) => {
        params.push(value);
        where.push(sql.replace('?', `$${params.length}`));
      };
      if (q.search) add('search_text LIKE ?', `%${likeEscape(q.search.toLowerCase())}%`);
      if (q.status) add('status = ?', q.status);
      if (q.leadScoreMin !== undefined) add('lead_score >= ?', q.leadScoreMin);
      if (q.leadScoreMax !== undefined) add('lead_score <= ?', q.leadScoreMax);
      if (q.assignedTo) add('assigned_to = ?', q.assignedTo);
      if (q.source) add('source = ?', q.source);
      // a date alone is the start of that day in the tenant's zone (createdAfter=2026-12-03: from the 3rd on)
      const placed = await placeForTenant(db, actor.tenantId, { createdAfter: q.createdAfter, createdBefore: q.createdBefore, lastContactedBefore: q.lastContactedBefore });
      if (placed.createdAfter) add(q.createdAfter instanceof LocalDay ? 'created_at >= ?' : 'created_at > ?', placed.createdAfter);
      // exclusive either way: createdBefore=2026-12-03 ends at the start of the 3rd, so a week is [Monday, next Monday)
      if (placed.createdBefore) add('created_at < ?', placed.createdBefore);
      if (placed.lastContactedBefore) add('(last_contact_date IS NULL OR last_contact_date < ?)', placed.lastContactedBefore);
      const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
      // only last_contact_date is nullable; a NULLS clause on the others would defeat their index
      const nulls = q.sort === 'lastContactDate' ? (q.order === 'desc' ? 'NULLS LAST' : 'NULLS FIRST') : '';
      const orderBy = (t: string) => `${t}${SORT_COLUMNS[q.sort]} ${q.order} ${nulls}, ${t}id ${q.order}`;
      const offset = (q.page - 1) * q.limit;
      // ONE statement for the page, its capped count and, past the cap, the planner's estimate. A
      // page that is not full is the end of the matches and its own count, so the count (an initplan
      // PostgreSQL evaluates only when the CASE reaches it) runs only for a full page, or an empty
      // page past the first; the estimate (crm_plan_rows, migration 0310: EXPLAIN, planning only)
      // only when the count passed the cap. The page stays an ordered index walk with its own LIMIT;
      // the outer join keeps one row (the counts) when the page is empty, and the outer ORDER BY
      // re-sorts at most `limit` rows. Each CTE is MATERIALIZED so that the count and the estimate run
      // once: a subquery the planner pulled up copied the count's CASE, and ran the count twice.
      const countWhen = offset > 0 ? `IN (0, ${q.limit})` : `= ${q.limit}`;
      const estimated = inlineParams(`SELECT 1 FROM contacts ${whereSql}`, params);
      const [rows] = await db.readAsTenant(actor.tenantId, [
        {
          sql: `WITH page AS MATERIALIZED (SELECT * FROM contacts ${whereSql} ORDER BY ${orderBy('')} LIMIT ${q.limit} OFFSET ${offset}),
                counted AS MATERIALIZED (
                  SELECT CASE WHEN (SELECT count(*) FROM page) ${countWhen}
                    THEN (SELECT count(*) FROM (SELECT 1 FROM contacts ${whereSql} LIMIT ${EXACT_COUNT_LIMIT + 1}) capped) END AS n
                ),
                totals AS MATERIALIZED (SELECT n, CASE WHEN n > ${EXACT_COUNT_LIMIT} THEN crm_plan_rows($${params.length + 1}) END AS estimate FROM counted)
                SELECT page.*, totals.n AS capped_count, totals.estimate AS estimated_count
                FROM totals LEFT JOIN page ON true ORDER BY ${orderBy('page.')}`,
          params: [...params, estimated],
        },
      ]);
      // an empty page is one row of NULL contact columns carrying the counts
      const pageRows = rows.filter((r) => r.id !== null);
      const counted = rows[0]?.capped_count;
      let totalCount: number;
      let totalCountExact = true;
      if (counted == null) {
        totalCount = offset + pageRows.length;
      } else {
        totalCount = Number(counted);
        totalCountExact = totalCount <= EXACT_COUNT_LIMIT;
        if (!totalCountExact) totalCount = Math.max(EXACT_COUNT_LIMIT + 1, Number(rows[0].estimated_count));
      }
      const totalPages = Math.max(1, Math.ceil(totalCount / q.limit));
      return {
        data: pageRows.map(toContact),
        pagination: { page: q.page, limit: q.limit, totalPages, hasNextPage: q.page < totalPages, hasPreviousPage: q.page > 1 },
        totalCount,
        totalCountExact,
      };
    },

    /** Delete a contact with its interactions and follow-ups (FK cascade); audited with what was removed. */
    async remove(actor: Actor, id: string): Promise<{ deleted: true; id: string }> {
      return inTenantTx(db, actor, async (em) => {
        const contact = await loadContact(em, id);
        authorize(actor, 'contacts:write', { ownerId: contact.assignedTo });
        await em.execute('DELETE FROM contacts WHERE id = ?', [id]);
        await writeAudit(em, actor, 'contact.deleted', 'contact', id, { before: contact as unknown as Record<string, unknown> } as never);
        await writeEvent(em, actor, 'contact.deleted', { type: 'contact', id }, { contactId: id, email: contact.email });
        return { deleted: true as const, id };
      });
    },

    async findByEmail(actor: Actor, email: string): Promise<Contact | null> {
      authorize(actor, 'contacts:read');
      const [[row]] = await db.readAsTenant(actor.tenantId, [{ sql: 'SELECT * FROM contacts WHERE email = $1', params: [email.trim().toLowerCase()] }]);
      return row ? toContact(row) : null;
    },
  };
}

export type ContactService = ReturnType<typeof createContactService>;
