import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../users/user.schema.ts';
import type { Database } from './database.ts';

/**
 * One tenant-scoped transaction for one service operation. After commit it nudges the outbox
 * dispatcher so events flow without waiting for the next poll.
 */
export async function inTenantTx<T>(db: Database, actor: Pick<Actor, 'tenantId'>, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  const result = await db.withTenant(actor.tenantId, fn);
  db.events.emit('outbox');
  return result;
}

/** Escape LIKE wildcards in user input. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Postgres unique violation on a named constraint (or any when no name given). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (!constraint || e.constraint === constraint);
}
