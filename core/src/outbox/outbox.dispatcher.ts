import type pg from 'pg';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { toOutboxEvent, type OutboxEvent, type OutboxRow } from './outbox.schema.ts';

export type EventHandler = (event: OutboxEvent) => Promise<void> | void;

export interface Subscription {
  consumer: string;
  /** Event types to receive; omitted ⇒ all. A trailing `*` matches a prefix (`contact.*`). */
  types?: string[];
  handler: EventHandler;
}

export interface OutboxDispatcher {
  subscribe(sub: Subscription): () => void;
  start(): Promise<void>;
  /** Deliver everything pending now; resolves with the number of events dispatched. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

interface Row extends OutboxRow {
  attempts: number;
}

const LEASE_SECONDS = 30;

function matches(sub: Subscription, type: string): boolean {
  if (!sub.types) return true;
  return sub.types.some((t) => (t.endsWith('*') ? type.startsWith(t.slice(0, -1)) : t === type));
}

/**
 * At-least-once delivery of committed outbox events to in-process subscribers. Events are leased
 * (not locked in an open transaction, which PGlite's single session could not afford), handed to
 * every matching subscriber that has not processed them yet, then marked dispatched. A crash
 * between delivery and marking redelivers after the lease; `processed_events` makes that a no-op.
 * Wake-ups: LISTEN crm_outbox, the in-process commit signal, and a polling fallback.
 */
export function createOutboxDispatcher(
  db: Database,
  logger: Logger,
  options: { pollMs?: number; batchSize?: number; maxAttempts?: number } = {},
): OutboxDispatcher {
  const subs = new Set<Subscription>();
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 200;
  const maxAttempts = options.maxAttempts ?? 10;
  let timer: NodeJS.Timeout | undefined;
  let listener: pg.PoolClient | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;
  const wake = () => {
    if (!stopped) void kick();
  };

  async function claim(): Promise<Row[]> {
    return db.asWorker(async (c) => {
      const res = await c.query<Row>(
        `UPDATE outbox_events SET locked_until = now() + make_interval(secs => $2), attempts = attempts + 1
         WHERE seq IN (
           SELECT seq FROM outbox_events
           WHERE dispatched_at IS NULL AND (locked_until IS NULL OR locked_until < now()) AND attempts < $3
           ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING seq, id, tenant_id, type, aggregate_type, aggregate_id, actor_id, payload, created_at, attempts`,
        [batchSize, LEASE_SECONDS, maxAttempts],
      );
      return res.rows.sort((a, b) => Number(a.seq) - Number(b.seq));
    });
  }

  async function deliver(row: Row): Promise<string | null> {
    const event = toOutboxEvent(row);
    const targets = [...subs].filter((s) => matches(s, event.type));
    if (!targets.length) return null;
    const done = await db.asWorker(async (c) =>
      new Set(
        (await c.query<{ consumer: string }>('SELECT consumer FROM processed_events WHERE event_id = $1', [event.id])).rows.map(
          (r) => r.consumer,
        ),
      ),
    );
    const errors: string[] = [];
    for (const sub of targets) {
      if (done.has(sub.consumer)) continue;
      try {
        await sub.handler(event);
        await db.asWorker((c) =>
          c.query('INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [sub.consumer, event.id]),
        );
      } catch (err) {
        logger.warn({ err, consumer: sub.consumer, eventId: event.id, type: event.type }, 'event handler failed; will retry');
        errors.push(`${sub.consumer}: ${(err as Error).message}`);
      }
    }
    return errors.length ? errors.join('; ').slice(0, 2000) : null;
  }

  async function runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await claim();
      if (!rows.length) return total;
      for (const row of rows) {
        const error = await deliver(row);
        await db.asWorker((c) =>
          error
            ? c.query(
                // exponential backoff: 2^attempts seconds, capped at 10 minutes
                `UPDATE outbox_events SET last_error = $2, locked_until = now() + make_interval(secs => least(600, power(2, attempts))) WHERE seq = $1`,
                [row.seq, error],
              )
            : c.query('UPDATE outbox_events SET dispatched_at = now(), locked_until = NULL, last_error = NULL WHERE seq = $1', [row.seq]),
        );
        if (!error) total++;
      }
    }
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
        } catch (err) {
          if (!stopped) logger.error({ err }, 'outbox dispatch failed');
        }
      } while (again && !stopped);
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
      db.events.on('outbox', wake);
      try {
        listener = await db.connect();
        listener.on('notification', wake);
        await listener.query('LISTEN crm_outbox');
      } catch (err) {
        logger.debug({ err }, 'LISTEN unavailable; polling only');
        listener?.release();
        listener = undefined;
      }
      timer = setInterval(wake, pollMs);
      timer.unref();
      wake();
    },
    async drain() {
      // a kick already running may have claimed before the caller's commit: run once more
      await running;
      return kick();
    },
    async stop() {
      stopped = true;
      db.events.off('outbox', wake);
      if (timer) clearInterval(timer);
      await running?.catch(() => 0);
      if (listener) {
        await listener.query('UNLISTEN *').catch(() => {});
        listener.release();
        listener = undefined;
      }
    },
  };
}
