import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ReadParam } from '../db/database.ts';
import type { Actor } from '../users/user.schema.ts';
import type { EventType } from './outbox.schema.ts';

export interface NewEvent {
  type: EventType;
  aggregate: { type: string; id: string | null };
  payload: Record<string, unknown>;
}

const INSERT_EVENTS = 'INSERT INTO outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, actor_id, payload)';

type EventActor = Pick<Actor, 'tenantId'> & { userId?: string | null };

/**
 * The one writer of outbox events: records them in the caller's transaction, set-wise, so they
 * become visible to the dispatcher exactly when the change they describe commits, and vanish
 * with it on rollback. Returns the event ids in input order.
 */
export async function writeEvents(em: EntityManager, actor: EventActor, events: readonly NewEvent[]): Promise<string[]> {
  if (!events.length) return [];
  const rows = eventRows(events);
  await em.execute(insertEventsSql('?', '?', '?'), [actor.tenantId, actor.userId ?? null, JSON.stringify(rows)]);
  return rows.map((r) => r.id);
}

// A version-7 UUID (RFC 9562) made in SQL: the statement's Unix milliseconds, then the random bits of
// a v4 UUID (its variant kept, its version nibble set to 7). A set-based writer emits thousands of
// events per statement (an import batch, a rescore): with random ids every one of them lands on a
// random leaf of the primary key, which after each checkpoint is logged again as a full-page image;
// time-ordered ids all go to the index's right-hand end (the same reason the import gives its new
// contacts v7 ids, see time-ordered-ids.ts). Within one statement the order is random, which keeps
// a batch's ids on the few rightmost pages.
// (No subquery: an uncorrelated one would run once per statement and give every row the same id.)
const MS_HEX = `lpad(to_hex(floor(extract(epoch FROM statement_timestamp()) * 1000)::bigint), 12, '0')`;
export const UUID_V7_SQL = `(substr(${MS_HEX}, 1, 8) || '-' || substr(${MS_HEX}, 9, 4) || '-7' || substr(gen_random_uuid()::text, 16))::uuid`;

/**
 * The same writer for set-based statements that derive their events in SQL (the contact import's
 * upsert, the rescore's score update): an `INSERT INTO outbox_events` over `source`, a relation
 * (e.g. a CTE name) with the columns `type, aggregate_type, aggregate_id, payload`, to embed as a
 * data-modifying CTE. Returns the SQL and its `?` parameters, in order. Event ids are generated in
 * the database, time-ordered (UUID_V7_SQL; the caller does not need them back).
 */
export function eventsInsertFrom(actor: EventActor, source: string): { sql: string; params: unknown[] } {
  if (!/^[a-z_][a-z0-9_]*$/.test(source)) throw new Error(`eventsInsertFrom: "${source}" is not a relation name`);
  return {
    sql: `${INSERT_EVENTS}
     SELECT ${UUID_V7_SQL}, ?, s.type, s.aggregate_type, s.aggregate_id, ?, s.payload FROM ${source} s`,
    params: [actor.tenantId, actor.userId ?? null],
  };
}

const eventRows = (events: readonly NewEvent[]) =>
  events.map((e) => ({ id: randomUUID(), type: e.type, aggregate_type: e.aggregate.type, aggregate_id: e.aggregate.id, payload: e.payload }));

const insertEventsSql = (tenant: string, actorId: string, rows: string) => `${INSERT_EVENTS}
     SELECT r.id, ${tenant}, r.type, r.aggregate_type, r.aggregate_id, ${actorId}, r.payload
     FROM jsonb_to_recordset(${rows}::jsonb) AS r(id uuid, type text, aggregate_type text, aggregate_id uuid, payload jsonb)`;

/**
 * The same insert as ONE statement for a `db.writeAsTenant` batch (a hot path that cannot afford
 * a transaction of its own): `guard` is a data-modifying query ($1… its parameters) that runs as a
 * CTE, and the events are written only when it returned rows — the change and its events commit
 * together or not at all. The statement returns the event ids (none: the guard changed nothing).
 * The caller emits `db.events` 'outbox' after it (as inTenantTx does).
 */
export function writeEventsWhen(guard: { sql: string; params: ReadParam[] }, actor: EventActor, events: readonly NewEvent[]): { sql: string; params: ReadParam[] } {
  const n = guard.params.length;
  return {
    sql: `WITH guard AS (${guard.sql}) ${insertEventsSql(`$${n + 1}::uuid`, `$${n + 2}::uuid`, `$${n + 3}`)} WHERE EXISTS (SELECT 1 FROM guard) RETURNING id`,
    params: [...guard.params, actor.tenantId, actor.userId ?? null, JSON.stringify(eventRows(events))],
  };
}

/** Record one event in the caller's transaction (see writeEvents). */
export async function writeEvent(
  em: EntityManager,
  actor: EventActor,
  type: EventType,
  aggregate: { type: string; id: string | null },
  payload: Record<string, unknown>,
): Promise<string> {
  const [id] = await writeEvents(em, actor, [{ type, aggregate, payload }]);
  return id;
}
