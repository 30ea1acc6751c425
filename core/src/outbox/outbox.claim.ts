import type pg from 'pg';
import type { OutboxRow } from './outbox.schema.ts';

export interface ClaimedRow extends OutboxRow {
  attempts: number;
  /**
   * Claimed before (a recorded failure, a lease that ran out, or left behind after some consumers
   * handled it): some consumers may have handled it already (processed_events).
   */
  retried: boolean;
}

/** Claims of all dispatchers (any process) take turns on this key, so none sees another's half-made lease. */
export const CLAIM_LOCK = 0x6f7574626f78; // "outbox"

/**
 * Run first in the claim's transaction: take the claim lock and pin the plan for this transaction
 * only. JIT off: the planner's cost for the claim (one probe per tenant row) crosses
 * jit_above_cost, and compiling it (~150 ms) would cost more than running it (a few ms). No bitmap
 * or sequential scan, hash or merge join: the one good plan walks outbox_pending_tenant_idx in
 * (tenant, seq) order, probes each row's aggregate by index and stops at the limit. Without fresh
 * statistics (a big import into a table last analysed nearly empty) the planner took the whole
 * backlog by bitmap scan, anti-joined and sorted it for every claim: 0.37-0.52 s per claim at 200k
 * pending instead of ~20 ms (a 200k import drained in 543 s instead of 70 s).
 */
export const PIN_CLAIM_PLAN = `SELECT pg_advisory_xact_lock($1), set_config('jit', 'off', true), set_config('enable_bitmapscan', 'off', true),
  set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)`;

/** The claim itself ($1 limit, $2 lease seconds, $3 max attempts); see claimBatch. */
export const CLAIM_SQL = `WITH picked AS (
       SELECT e.seq, e.rn FROM tenants t
       CROSS JOIN LATERAL (
         SELECT o.seq, row_number() OVER (ORDER BY o.seq) AS rn FROM (
           SELECT seq FROM outbox_events o
           WHERE o.tenant_id >= t.id AND o.tenant_id <= t.id AND o.dispatched_at IS NULL AND o.attempts < $3
             AND (o.locked_until IS NULL OR o.locked_until < now())
             AND NOT EXISTS (
               SELECT 1 FROM outbox_events p
               WHERE p.tenant_id = o.tenant_id AND p.aggregate_id = o.aggregate_id AND p.dispatched_at IS NULL
                 AND p.locked_until IS NOT NULL AND p.seq < o.seq AND p.attempts < $3 AND p.locked_until >= now())
           ORDER BY o.tenant_id, o.seq LIMIT $1 FOR UPDATE SKIP LOCKED) o
       ) e
       ORDER BY e.rn, e.seq LIMIT $1)
     UPDATE outbox_events SET locked_until = now() + make_interval(secs => $2), attempts = attempts + 1
     WHERE outbox_events.seq = ANY(ARRAY(SELECT seq FROM picked))
     RETURNING outbox_events.seq, id, tenant_id, type, aggregate_type, aggregate_id, actor_id, payload, created_at, attempts,
       (last_error IS NOT NULL OR attempts > 1) AS retried`;

/**
 * Lease up to `limit` pending events in ONE short transaction (never held while handlers run):
 * - fair: at most `limit` per tenant, merged round-robin by per-tenant rank, so a tenant with a
 *   backlog cannot starve a tenant with one new event;
 * - ordered per aggregate: an event is skipped while an earlier event of the same aggregate is
 *   leased by someone or backing off after a failure (dead events, out of attempts, do not block);
 * - safe with several dispatchers: `FOR UPDATE SKIP LOCKED` plus a transaction advisory lock that
 *   serialises the (millisecond) claims themselves.
 */
export async function claimBatch(
  c: pg.PoolClient,
  options: { limit: number; leaseSeconds: number; maxAttempts: number },
): Promise<ClaimedRow[]> {
  await c.query(PIN_CLAIM_PLAN, [CLAIM_LOCK]);
  const res = await c.query<ClaimedRow>(CLAIM_SQL, [options.limit, options.leaseSeconds, options.maxAttempts]);
  return res.rows.sort((a, b) => Number(a.seq) - Number(b.seq));
}

export interface BatchOutcome {
  /**
   * Consumers that handled an event now while another consumer failed on it: recorded so the retry
   * skips them. An event that every consumer handled is marked dispatched and never claimed again,
   * so its consumers need no record (one row fewer per event and consumer).
   */
  processed: { consumer: string; eventId: string }[];
  dispatched: string[];
  failed: { seq: string; error: string }[];
  /** Claimed but not attempted (stopping, or behind a failed event of the same aggregate). */
  released: string[];
  /**
   * Left for later like `released`, but some consumers (batch consumers) handled them already: they
   * keep the attempt, so the next claim sees `retried` and skips those consumers.
   */
  deferred: string[];
}

/** Record a batch's outcome in one short transaction. */
export async function finishBatch(c: pg.PoolClient, o: BatchOutcome): Promise<void> {
  if (o.processed.length) {
    await c.query(
      `INSERT INTO processed_events (consumer, event_id) SELECT * FROM unnest($1::text[], $2::uuid[]) ON CONFLICT DO NOTHING`,
      [o.processed.map((p) => p.consumer), o.processed.map((p) => p.eventId)],
    );
  }
  if (o.dispatched.length) {
    await c.query('UPDATE outbox_events SET dispatched_at = now(), locked_until = NULL, last_error = NULL WHERE seq = ANY($1::bigint[])', [o.dispatched]);
  }
  if (o.failed.length) {
    // exponential backoff: 2^attempts seconds, capped at 10 minutes
    await c.query(
      `UPDATE outbox_events e SET last_error = f.error, locked_until = now() + make_interval(secs => least(600, power(2, e.attempts)))
       FROM unnest($1::bigint[], $2::text[]) AS f(seq, error) WHERE e.seq = f.seq`,
      [o.failed.map((f) => f.seq), o.failed.map((f) => f.error)],
    );
  }
  if (o.deferred.length) {
    await c.query('UPDATE outbox_events SET locked_until = NULL WHERE seq = ANY($1::bigint[])', [o.deferred]);
  }
  if (o.released.length) {
    await c.query('UPDATE outbox_events SET locked_until = NULL, attempts = greatest(0, attempts - 1) WHERE seq = ANY($1::bigint[])', [o.released]);
  }
}
