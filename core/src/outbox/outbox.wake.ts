import { toDatabaseUnavailable } from '../db/db-errors.ts';
import { subscribeNotify } from '../db/notify-listener.ts';
import type { Logger } from '../logger.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

export const OUTBOX_CHANNEL = 'crm_outbox';

/**
 * Call `wake` whenever outbox events may be waiting: on NOTIFY (one shared LISTEN connection that
 * reconnects with backoff after the database went away), on the in-process commit signal, and
 * every `pollMs` as the fallback. Returns the function that stops these wake-ups.
 */
export function subscribeOutboxWake(handle: DatabaseHandle, logger: Logger, wake: () => void, pollMs: number): () => Promise<void> {
  const db = databaseOf(handle);
  // a lost LISTEN may have swallowed a notification, and a restored one missed the events
  // committed meanwhile: poll once on either
  const unsubscribe = subscribeNotify(db, logger, { channel: OUTBOX_CHANNEL, notify: wake, state: wake });
  db.events.on('outbox', wake);
  const timer = setInterval(wake, pollMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    db.events.off('outbox', wake);
    await unsubscribe();
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
