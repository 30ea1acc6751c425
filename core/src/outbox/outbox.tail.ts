import type { Logger } from '../logger.ts';
import { logFailure, subscribeOutboxWake } from './outbox.wake.ts';
import { toOutboxEvent, type OutboxEvent, type OutboxRow } from './outbox.schema.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

export type TailHandler = (event: OutboxEvent) => void;

export interface OutboxTail {
  /** Receive every event committed after `start()`; returns the unsubscribe function. */
  subscribe(handler: TailHandler): () => void;
  start(): Promise<void>;
  /** Read everything committed so far and hand it to the subscribers now. */
  poll(): Promise<number>;
  stop(): Promise<void>;
}

type Row = OutboxRow;

/** How long a hole in the sequence is re-checked: a concurrent transaction may still commit it. */
const GAP_TTL_MS = 30_000;
const MAX_GAPS = 1_000;

/**
 * A passive, read-only observer of committed outbox events, for processes that want to *see*
 * changes (live notifications) without being a dispatcher. Unlike the dispatcher it never leases,
 * marks or records anything, so it can run beside the dispatcher of another process (`crm start`)
 * without stealing events from that process's consumers. Delivery is best effort, in commit
 * order per poll: a sequence number skipped because its transaction was still open is looked at
 * again for a while.
 */
export function createOutboxTail(handle: DatabaseHandle, logger: Logger, options: { pollMs?: number; batchSize?: number } = {}): OutboxTail {
  const db = databaseOf(handle);
  const handlers = new Set<TailHandler>();
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 500;
  const gaps = new Map<number, number>();
  let last = -1;
  let unwake: (() => Promise<void>) | undefined;
  let outage = false;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;

  async function readOnce(): Promise<number> {
    const gapSeqs = [...gaps.keys()];
    const rows = await db.asWorker(async (c) =>
      (
        await c.query<Row>(
          `SELECT seq, id, tenant_id, type, aggregate_type, aggregate_id, actor_id, payload, created_at FROM outbox_events
           WHERE seq > $1 OR seq = ANY($3::bigint[]) ORDER BY seq LIMIT $2`,
          [last, batchSize, gapSeqs],
        )
      ).rows,
    );
    const now = Date.now();
    for (const [seq, since] of gaps) if (now - since > GAP_TTL_MS) gaps.delete(seq);
    let expected = last + 1;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (gaps.delete(seq) === false && seq <= last) continue;
      if (seq > last) {
        for (let missing = expected; missing < seq && gaps.size < MAX_GAPS; missing++) gaps.set(missing, now);
        expected = seq + 1;
        last = seq;
      }
      const event = toOutboxEvent(row);
      for (const handler of handlers) {
        try {
          handler(event);
        } catch (err) {
          logger.warn({ err, eventId: event.id }, 'outbox tail handler failed');
        }
      }
    }
    return rows.length;
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
          for (let n = await readOnce(); n > 0; n = n >= batchSize ? await readOnce() : 0) total += n;
          if (outage) logger.info('outbox tail resumed: the database is back');
          outage = false;
        } catch (err) {
          if (!stopped) outage = logFailure(logger, err, outage, 'outbox tail');
        }
      } while (again && !stopped);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }
  const wake = () => {
    if (!stopped) void kick();
  };

  return {
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async start() {
      if (!stopped) return;
      stopped = false;
      if (last < 0) {
        last = await db.asWorker(async (c) => Number((await c.query<{ s: string }>('SELECT coalesce(max(seq), 0) AS s FROM outbox_events')).rows[0].s));
      }
      unwake = subscribeOutboxWake(db, logger, wake, pollMs);
    },
    async poll() {
      if (stopped) return 0;
      await running;
      return kick();
    },
    async stop() {
      stopped = true;
      await unwake?.();
      unwake = undefined;
      await running?.catch(() => 0);
    },
  };
}
