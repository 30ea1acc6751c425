import type { EntityManager } from '@mikro-orm/postgresql';
import { cappedCountSql } from '../db/offset-page.ts';
import type { Actor } from '../users/user.schema.ts';

export interface AuditEntry {
  id: string;
  actorId: string | null;
  actorRole: string | null;
  /** 'system' when an automation acted; then `via` names it and `onBehalfOf` the user it served. */
  actorKind: 'user' | 'system' | null;
  via: string | null;
  onBehalfOf: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  diff: { before?: Record<string, unknown>; after?: Record<string, unknown> };
  createdAt: Date;
}

type Plain = Record<string, unknown>;

function normalise(v: unknown): unknown {
  return v instanceof Date ? v.toISOString() : v;
}

/** Only the fields that changed, before and after; whole records for create/delete. */
export function diffRecords(before: Plain | null, after: Plain | null): AuditEntry['diff'] {
  if (!before) return { after: after ?? undefined };
  if (!after) return { before };
  const b: Plain = {};
  const a: Plain = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const x = normalise(before[key]);
    const y = normalise(after[key]);
    if (JSON.stringify(x) !== JSON.stringify(y)) {
      b[key] = x ?? null;
      a[key] = y ?? null;
    }
  }
  return { before: b, after: a };
}

/** One audit row; `actor` overrides the writer's actor for this row (a bulk load on others' behalf), `at` its time. */
export interface AuditRow {
  action: string;
  entityType: string;
  entityId: string | null;
  diff: AuditEntry['diff'];
  actor?: Pick<Actor, 'userId' | 'role'> | null;
  at?: Date | string;
}

/**
 * The one writer of audit rows: appends them inside the caller's transaction, set-wise, recording
 * who acted — a user, or the tenant's system actor `via` an automation `onBehalfOf` a user.
 */
export async function writeAuditRows(em: EntityManager, actor: Actor, rows: readonly AuditRow[]): Promise<void> {
  if (!rows.length) return;
  const kind = actor.kind ?? 'user';
  const records = rows.map((r) => {
    const who = r.actor === undefined ? actor : r.actor;
    return {
      actor_id: who?.userId ?? null,
      actor_role: who?.role ?? null,
      action: r.action,
      entity_type: r.entityType,
      entity_id: r.entityId,
      diff: r.diff,
      created_at: r.at instanceof Date ? r.at.toISOString() : (r.at ?? null),
    };
  });
  await em.execute(
    `INSERT INTO audit_log (tenant_id, actor_id, actor_role, actor_kind, via, on_behalf_of, action, entity_type, entity_id, diff, created_at)
     SELECT ?, r.actor_id, r.actor_role, ?, ?, ?, r.action, r.entity_type, r.entity_id, r.diff, coalesce(r.created_at, now())
     FROM jsonb_to_recordset(?::jsonb) AS r(actor_id uuid, actor_role text, action text, entity_type text, entity_id uuid, diff jsonb, created_at timestamptz)`,
    [actor.tenantId, kind, actor.via ?? null, actor.onBehalfOf ?? null, JSON.stringify(records)],
  );
}

/**
 * The same writer for set-based statements that derive their audit rows in SQL (the contact
 * import's upsert, where the before/after images exist only inside the statement): an
 * `INSERT INTO audit_log` over `source`, a relation (e.g. a CTE name) with the columns
 * `action, entity_type, entity_id, diff`, to embed as a data-modifying CTE. Returns the SQL and
 * its `?` parameters, in order.
 */
export function auditInsertFrom(actor: Actor, source: string): { sql: string; params: unknown[] } {
  if (!/^[a-z_][a-z0-9_]*$/.test(source)) throw new Error(`auditInsertFrom: "${source}" is not a relation name`);
  return {
    sql: `INSERT INTO audit_log (tenant_id, actor_id, actor_role, actor_kind, via, on_behalf_of, action, entity_type, entity_id, diff)
     SELECT ?, ?, ?, ?, ?, ?, s.action, s.entity_type, s.entity_id, s.diff FROM ${source} s`,
    params: [actor.tenantId, actor.userId ?? null, actor.role ?? null, actor.kind ?? 'user', actor.via ?? null, actor.onBehalfOf ?? null],
  };
}

/** Append one audit row inside the caller's transaction. */
export async function writeAudit(
  em: EntityManager,
  actor: Actor,
  action: string,
  entityType: string,
  entityId: string | null,
  diff: AuditEntry['diff'],
): Promise<void> {
  await writeAuditRows(em, actor, [{ action, entityType, entityId, diff }]);
}

/** Filters of the audit log: one entity's history, an entity type, or entries older than `before` (an audit id). */
export interface AuditFilter {
  entityType?: string;
  entityId?: string;
  before?: string;
}

function auditWhere(filter: AuditFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.entityType) {
    where.push('entity_type = ?');
    params.push(filter.entityType);
  }
  if (filter.entityId) {
    where.push('entity_id = ?');
    params.push(filter.entityId);
  }
  if (filter.before) {
    where.push('id < ?');
    params.push(filter.before);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

export async function listAudit(em: EntityManager, filter: AuditFilter & { limit?: number; offset?: number }): Promise<AuditEntry[]> {
  const where = auditWhere(filter);
  const rows = await em.execute<Plain[]>(
    `SELECT id, actor_id, actor_role, actor_kind, via, on_behalf_of, action, entity_type, entity_id, diff, created_at FROM audit_log
     ${where.sql} ORDER BY id DESC LIMIT ? OFFSET ?`,
    [...where.params, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0],
  );
  return rows.map(toAuditEntry);
}

/** How many entries match, counting at most LIST_COUNT_CAP + 1. */
export async function countAudit(em: EntityManager, filter: AuditFilter): Promise<number> {
  const where = auditWhere(filter);
  const rows = await em.execute<Plain[]>(cappedCountSql(`FROM audit_log ${where.sql}`), where.params);
  return Number(rows[0]?.n ?? 0);
}

function toAuditEntry(r: Plain): AuditEntry {
  return {
    id: String(r.id),
    actorId: r.actor_id as string | null,
    actorRole: r.actor_role as string | null,
    actorKind: r.actor_kind as AuditEntry['actorKind'],
    via: r.via as string | null,
    onBehalfOf: r.on_behalf_of as string | null,
    action: r.action as string,
    entityType: r.entity_type as string,
    entityId: r.entity_id as string | null,
    diff: r.diff as AuditEntry['diff'],
    createdAt: new Date(r.created_at as string),
  };
}
