import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { claimBatch, finishBatch, type BatchOutcome, type ClaimedRow } from './outbox.claim.ts';
import { toOutboxEvent, type OutboxEvent } from './outbox.schema.ts';
import { logFailure, subscribeOutboxWake } from './outbox.wake.ts';

export type EventHandler = (event: OutboxEvent) => Promise<void> | void;

/**
 * Many events at once, in commit order (every tenant of the claimed batch; group by `tenantId`).
 * Resolving means every one was handled. Throwing hands them to `handler` one at a time, so one
 * bad event fails (and backs off) alone. `signal` aborts when the dispatcher stops: stop at the
 * next tenant or chunk and throw — what is left is delivered after the next start.
 */
export type BatchHandler = (events: OutboxEvent[], ctx: { signal: AbortSignal }) => Promise<void>;

export interface Subscription {
  consumer: string;
  /** Event types to receive; omitted ⇒ all. A trailing `*` matches a prefix (`contact.*`). */
  types?: string[];
  handler: EventHandler;
  /**
   * Optional: the claimed batch's matching events in one call (e.g. one statement per tenant instead
   * of one per event). Consumers are independent, so a batch consumer sees an event before, after or
   * beside the per-event consumers; delivery stays at-least-once (a handler must be idempotent).
   */
  handleBatch?: BatchHandler;
}

export interface OutboxDispatcher {
  subscribe(sub: Subscription): () => void;
  start(): Promise<void>;
  /** Deliver everything pending now; resolves with the number of events dispatched. */
  drain(): Promise<number>;
  /** Stop within `stopTimeoutMs`: the batch in hand is cut short and its unhandled events are left for the next start. */
  stop(): Promise<void>;
  /** Events that exhausted their attempts (dead letters), newest first; `tenantId` narrows to one tenant. */
  failed(query?: { tenantId?: string; limit?: number }): Promise<DeadEvent[]>;
  /**
   * Give dead events a fresh set of attempts (by event id, or every dead event of a tenant / all);
   * resolves with the ids requeued. The running dispatcher (any process) picks them up on its next pass.
   */
  retry(target: { ids: string[] } | { all: true; tenantId?: string }): Promise<string[]>;
}

/** An outbox event that will not be delivered again unless retried. */
export interface DeadEvent {
  id: string;
  tenantId: string;
  type: string;
  aggregateType: string;
  aggregateId: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

export interface OutboxDispatcherOptions {
  pollMs?: number;
  batchSize?: number;
  maxAttempts?: number;
  /** Aggregates (contacts) handled at the same time; events of one aggregate always run in order. */
  concurrency?: number;
  leaseSeconds?: number;
  stopTimeoutMs?: number;
}

function matches(sub: Subscription, type: string): boolean {
  if (!sub.types) return true;
  return sub.types.some((t) => (t.endsWith('*') ? type.startsWith(t.slice(0, -1)) : t === type));
}

/**
 * At-least-once delivery of committed outbox events to in-process subscribers, in batches. Events
 * are leased in one short transaction (never held open while handlers run: PGlite has one
 * session), handed to every matching subscriber that has not processed them yet, and the batch's
 * outcome is written in one more transaction. Order is kept per aggregate, not globally, so
 * different contacts proceed in parallel and tenants share each batch fairly (outbox.claim.ts).
 * A crash between delivery and recording redelivers after the lease. When some consumers handled
 * an event and another failed, `processed_events` records the ones that succeeded, so the retry
 * skips them; an event every consumer handled is simply marked dispatched.
 */
export function createOutboxDispatcher(db: Database, logger: Logger, options: OutboxDispatcherOptions = {}): OutboxDispatcher {
  const subs = new Set<Subscription>();
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 500;
  const maxAttempts = options.maxAttempts ?? 10;
  const concurrency = options.concurrency ?? 16;
  const leaseSeconds = options.leaseSeconds ?? 60;
  // within the runtime's shared stop budget (3.5 s), leaving the other services some of it
  const stopTimeoutMs = options.stopTimeoutMs ?? 2_000;
  let unwake: (() => Promise<void>) | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;
  let halting = false;
  let outage = false;
  // the stop in progress or done: a second stop() (the runtime's, after its services') waits for the same one, not once more
  let stopping: Promise<void> | undefined;
  const wake = () => {
    if (!stopped) void kick();
  };

  let halt = new AbortController();

  async function deliverBatch(rows: ClaimedRow[]): Promise<BatchOutcome> {
    const out: BatchOutcome = { processed: [], dispatched: [], failed: [], released: [], deferred: [] };
    const consumers = [...new Set([...subs].map((s) => s.consumer))];
    const done = new Set<string>();
    const key = (consumer: string, eventId: string) => `${consumer}\u0000${eventId}`;
    // only an event whose earlier failure was recorded can have consumers that handled it already
    const retried = rows.filter((r) => r.retried).map((r) => r.id);
    if (consumers.length && retried.length) {
      const res = await db.asWorker((c) =>
        c.query<{ consumer: string; event_id: string }>(
          'SELECT consumer, event_id FROM processed_events WHERE consumer = ANY($1::text[]) AND event_id = ANY($2::uuid[])',
          [consumers, retried],
        ),
      );
      for (const r of res.rows) done.add(key(r.consumer, r.event_id));
    }
    const events = new Map(rows.map((r) => [r.seq, toOutboxEvent(r)]));
    // batch consumers first, side by side: each gets its events of the whole batch in one call
    const signal = halt.signal;
    await Promise.all(
      [...subs]
        .filter((s) => s.handleBatch)
        .map(async (sub) => {
          const mine = rows.filter((r) => matches(sub, r.type) && !done.has(key(sub.consumer, r.id))).map((r) => events.get(r.seq)!);
          if (!mine.length || halting) return;
          try {
            await sub.handleBatch!(mine, { signal });
            for (const e of mine) done.add(key(sub.consumer, e.id));
          } catch (err) {
            // one at a time below (a poison event then fails alone); not when stopping: those are left
            if (!halting) logger.warn({ err, consumer: sub.consumer, events: mine.length }, 'batch handler failed; delivering its events one at a time');
          }
        }),
    );
    /** Leave `group` from `from` on for later: consumers that handled some of them already are recorded. */
    const leave = (group: ClaimedRow[], from: number) => {
      for (const row of group.slice(from)) {
        const handled = consumers.filter((c) => done.has(key(c, row.id)));
        if (!handled.length) {
          out.released.push(row.seq);
          continue;
        }
        for (const consumer of handled) out.processed.push({ consumer, eventId: row.id });
        out.deferred.push(row.seq);
      }
    };
    const groups = new Map<string, ClaimedRow[]>();
    for (const row of rows) {
      const key = row.aggregate_id ? `${row.tenant_id}:${row.aggregate_id}` : row.id;
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    const queue = [...groups.values()];
    const runGroup = async (group: ClaimedRow[]) => {
      for (let i = 0; i < group.length; i++) {
        const row = group[i];
        if (halting) {
          leave(group, i);
          return;
        }
        const event = events.get(row.seq)!;
        const errors: string[] = [];
        for (const sub of [...subs].filter((s) => matches(s, event.type))) {
          if (done.has(key(sub.consumer, event.id))) continue;
          try {
            await sub.handler(event);
            done.add(key(sub.consumer, event.id));
          } catch (err) {
            logger.warn({ err, consumer: sub.consumer, eventId: event.id, type: event.type }, 'event handler failed; will retry');
            errors.push(`${sub.consumer}: ${(err as Error).message}`);
          }
        }
        if (!errors.length) {
          out.dispatched.push(row.seq);
          continue;
        }
        for (const consumer of consumers) if (done.has(key(consumer, event.id))) out.processed.push({ consumer, eventId: event.id });
        out.failed.push({ seq: row.seq, error: errors.join('; ').slice(0, 2000) });
        // later events of this aggregate wait until this one has gone through
        leave(group, i + 1);
        return;
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let g = queue.shift(); g; g = queue.shift()) await runGroup(g);
      }),
    );
    return out;
  }

  async function runOnce(): Promise<number> {
    let total = 0;
    while (!halting) {
      const rows = await db.asWorker((c) => claimBatch(c, { limit: batchSize, leaseSeconds, maxAttempts }));
      if (!rows.length) return total;
      const outcome = await deliverBatch(rows);
      await db.asWorker((c) => finishBatch(c, outcome));
      total += outcome.dispatched.length;
    }
    return total;
  }

  function kick(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        try {
          total += await runOnce();
          if (outage) logger.info('outbox dispatch resumed: the database is back');
          outage = false;
        } catch (err) {
          if (!halting) outage = logFailure(logger, err, outage, 'outbox dispatch');
        }
      } while (again && !halting);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    subscribe(sub) {
      subs.add(sub);
      return () => subs.delete(sub);
    },
    async start() {
      if (!stopped) return;
      stopped = false;
      halting = false;
      if (halt.signal.aborted) halt = new AbortController();
      stopping = undefined;
      unwake = subscribeOutboxWake(db, logger, wake, pollMs);
      wake();
    },
    async drain() {
      // a kick already running may have claimed before the caller's commit: run once more
      await running;
      halting = false;
      if (halt.signal.aborted) halt = new AbortController();
      return kick();
    },
    async failed(query = {}) {
      const limit = query.limit ?? 50;
      const res = await db.asWorker((c) =>
        c.query(
          `SELECT id, tenant_id, type, aggregate_type, aggregate_id, attempts, last_error, created_at FROM outbox_events
           WHERE dispatched_at IS NULL AND attempts >= $1 AND ($2::uuid IS NULL OR tenant_id = $2) ORDER BY seq DESC LIMIT $3`,
          [maxAttempts, query.tenantId ?? null, limit],
        ),
      );
      return res.rows.map((r) => ({
        id: r.id,
        tenantId: r.tenant_id,
        type: r.type,
        aggregateType: r.aggregate_type,
        aggregateId: r.aggregate_id,
        attempts: r.attempts,
        lastError: r.last_error,
        createdAt: r.created_at,
      }));
    },
    async retry(target) {
      const byIds = 'ids' in target;
      const res = await db.asWorker(async (c) => {
        const r = await c.query<{ id: string; tenant_id: string }>(
          `UPDATE outbox_events SET attempts = 0, locked_until = NULL
           WHERE dispatched_at IS NULL AND attempts >= $1
             AND (CASE WHEN $2::boolean THEN id = ANY($3::uuid[]) ELSE ($4::uuid IS NULL OR tenant_id = $4) END)
           RETURNING id, tenant_id`,
          [maxAttempts, byIds, byIds ? target.ids : [], byIds ? null : (target.tenantId ?? null)],
        );
        for (const t of new Set(r.rows.map((x) => x.tenant_id))) await c.query(`SELECT pg_notify('crm_outbox', $1)`, [t]);
        return r;
      });
      wake();
      return res.rows.map((r) => r.id);
    },
    stop() {
      // no new batch is claimed from here on; the batch in hand stops at its next event
      stopped = true;
      halting = true;
      halt.abort();
      stopping ??= (async () => {
        // closing the LISTEN (an UNLISTEN round trip) and the batch in hand, within one timeout
        const closing = unwake?.().catch(() => {});
        unwake = undefined;
        const current = running?.catch(() => 0);
        let timer: NodeJS.Timeout | undefined;
        const late = await Promise.race([
          Promise.all([closing, current]).then(() => false),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(true), stopTimeoutMs))),
        ]);
        clearTimeout(timer);
        // a handler still busy keeps its lease; the events come round again when it expires
        if (late) logger.warn({ stopTimeoutMs }, current ? 'outbox dispatcher stopped with a handler still running' : 'outbox dispatcher stopped before its LISTEN connection closed');
      })();
      return stopping;
    },
  };
}
