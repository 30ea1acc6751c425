import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../users/user.schema.ts';
import type { EventType } from './outbox.schema.ts';

/**
 * Record an event in the caller's transaction: it becomes visible to the dispatcher exactly when
 * the change it describes commits, and vanishes with it on rollback.
 */
export async function writeEvent(
  em: EntityManager,
  actor: Pick<Actor, 'tenantId'> & { userId?: string | null },
  type: EventType,
  aggregate: { type: string; id: string | null },
  payload: Record<string, unknown>,
): Promise<string> {
  const id = randomUUID();
  await em.execute(
    'INSERT INTO outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, actor_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [id, actor.tenantId, type, aggregate.type, aggregate.id, actor.userId ?? null, JSON.stringify(payload)],
  );
  return id;
}
