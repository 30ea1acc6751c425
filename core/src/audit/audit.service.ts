import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../users/user.schema.ts';

export interface AuditEntry {
  id: string;
  actorId: string | null;
  actorRole: string | null;
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

/** Append an audit row inside the caller's transaction. */
export async function writeAudit(
  em: EntityManager,
  actor: Actor,
  action: string,
  entityType: string,
  entityId: string | null,
  diff: AuditEntry['diff'],
): Promise<void> {
  await em.execute(
    'INSERT INTO audit_log (tenant_id, actor_id, actor_role, action, entity_type, entity_id, diff) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [actor.tenantId, actor.userId, actor.role, action, entityType, entityId, JSON.stringify(diff)],
  );
}

export async function listAudit(
  em: EntityManager,
  filter: { entityType?: string; entityId?: string; limit?: number },
): Promise<AuditEntry[]> {
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
  params.push(Math.min(filter.limit ?? 100, 1000));
  const rows = await em.execute<Plain[]>(
    `SELECT id, actor_id, actor_role, action, entity_type, entity_id, diff, created_at FROM audit_log
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
    params,
  );
  return rows.map((r) => ({
    id: String(r.id),
    actorId: r.actor_id as string | null,
    actorRole: r.actor_role as string | null,
    action: r.action as string,
    entityType: r.entity_type as string,
    entityId: r.entity_id as string | null,
    diff: r.diff as AuditEntry['diff'],
    createdAt: new Date(r.created_at as string),
  }));
}
