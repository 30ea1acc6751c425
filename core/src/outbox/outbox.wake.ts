import type pg from 'pg';
import type { Database } from '../db/database.ts';
import { toDatabaseUnavailable } from '../db/db-errors.ts';
import type { Logger } from '../logger.ts';

export const OUTBOX_CHANNEL = 'crm_outbox';

/** One LISTEN connection per database, shared by every dispatcher and tail of the process. */
interface SharedListener {
  wakers: Set<() => void>;
  client?: pg.PoolClient;
  retry?: NodeJS.Timeout;
  attempt: number;
  closed: boolean;
  /** LISTEN is not supported here (not an outage): poll only, never retry. */
  unsupported: boolean;
}

const listeners = new WeakMap<Database, SharedListener>();

function fanOut(l: SharedListener) {
  for (const w of l.wakers) w();
}

function scheduleReconnect(db: Database, logger: Logger, l: SharedListener) {
  if (l.closed || l.retry) return;
  // exponential backoff with jitter, so N replicas do not stampede a recovering server
  const base = Math.min(db.timeouts.listenRetryMaxMs, 250 * 2 ** Math.min(l.attempt, 10));
  const delay = Math.round(base / 2 + Math.random() * (base / 2));
  l.attempt++;
  l.retry = setTimeout(() => {
    l.retry = undefined;
    void openListener(db, logger, l);
  }, delay);
  l.retry.unref();
}

async function openListener(db: Database, logger: Logger, l: SharedListener): Promise<void> {
  if (l.closed || l.client) return;
  let client: pg.PoolClient | undefined;
  try {
    client = await db.connect();
    const lost = (err?: Error) => {
      if (l.client !== client) return;
      l.client = undefined;
      client!.release(err ?? new Error('LISTEN connection ended'));
      if (l.closed) return;
      logger.warn({ reason: err?.message ?? 'ended' }, 'outbox LISTEN connection lost; polling and reconnecting');
      fanOut(l); // poll once now: the loss may have swallowed a notification
      scheduleReconnect(db, logger, l);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', () => fanOut(l));
    l.client = client;
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    if (l.closed) return closeClient(l);
    if (l.attempt > 0) logger.info({ attempts: l.attempt }, 'outbox LISTEN connection restored');
    l.attempt = 0;
    fanOut(l); // events committed while we were not listening
  } catch (err) {
    if (client && l.client === client) {
      l.client = undefined;
      client.release(err as Error);
    }
    if (l.closed) return;
    if (toDatabaseUnavailable(err)) {
      if (l.attempt === 0) logger.warn({ reason: (err as Error).message }, 'outbox LISTEN unavailable; polling and reconnecting');
      scheduleReconnect(db, logger, l);
    } else {
      l.unsupported = true;
      logger.debug({ err }, 'LISTEN unsupported; the outbox polls only');
    }
  }
}

async function closeClient(l: SharedListener) {
  const client = l.client;
  l.client = undefined;
  if (!client) return;
  await client.query('UNLISTEN *').catch(() => {});
  client.removeAllListeners('notification');
  client.release();
}

/**
 * Call `wake` whenever outbox events may be waiting: on NOTIFY (one shared LISTEN connection that
 * reconnects with backoff after the database went away), on the in-process commit signal, and
 * every `pollMs` as the fallback. Returns the function that stops these wake-ups.
 */
export function subscribeOutboxWake(db: Database, logger: Logger, wake: () => void, pollMs: number): () => Promise<void> {
  let l = listeners.get(db);
  if (!l || l.closed) {
    l = { wakers: new Set(), attempt: 0, closed: false, unsupported: false };
    listeners.set(db, l);
  }
  const shared = l;
  const first = shared.wakers.size === 0;
  shared.wakers.add(wake);
  if (first) void openListener(db, logger, shared);
  db.events.on('outbox', wake);
  const timer = setInterval(wake, pollMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    db.events.off('outbox', wake);
    shared.wakers.delete(wake);
    if (shared.wakers.size > 0) return;
    shared.closed = true;
    if (shared.retry) clearTimeout(shared.retry);
    if (listeners.get(db) === shared) listeners.delete(db);
    await closeClient(shared);
  };
}

/**
 * Log a failed background pass: an outage once (warn) until it ends, anything else every time
 * (error). Returns whether we are now in an outage.
 */
export function logFailure(logger: Logger, err: unknown, outage: boolean, what: string): boolean {
  if (toDatabaseUnavailable(err)) {
    if (!outage) logger.warn({ reason: (err as Error).message }, `${what} paused: the database is unavailable; retrying`);
    return true;
  }
  logger.error({ err }, `${what} failed`);
  return outage;
}
