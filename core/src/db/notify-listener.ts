import type pg from 'pg';
import type { Database } from './database.ts';
import { toDatabaseUnavailable } from './db-errors.ts';
import type { Logger } from '../logger.ts';

/** What one part of the process wants from PostgreSQL's LISTEN/NOTIFY. */
export interface NotifySubscriber {
  channel: string;
  /** A NOTIFY on the channel arrived (payload as sent). */
  notify(payload: string | undefined): void;
  /**
   * The LISTEN on this channel is active (`true`, after connecting or reconnecting) or lost
   * (`false`): notifications sent meanwhile were missed, so react as if one had arrived.
   */
  state?(listening: boolean): void;
}

/** One LISTEN connection per database, shared by every subscriber of the process. */
interface SharedListener {
  subscribers: Set<NotifySubscriber>;
  /** Channels on which LISTEN is active on the current connection. */
  active: Set<string>;
  client?: pg.PoolClient;
  /** Removes this listener's handlers from `client` before it goes back to the pool. */
  detach?: () => void;
  retry?: NodeJS.Timeout;
  attempt: number;
  closed: boolean;
  /** LISTEN is not supported here (not an outage): subscribers never get `state(true)`, nothing retries. */
  unsupported: boolean;
}

const listeners = new WeakMap<Database, SharedListener>();

const channelName = (channel: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid NOTIFY channel name: ${channel}`);
  return channel;
};

function setState(l: SharedListener, listening: boolean, only?: NotifySubscriber) {
  for (const s of only ? [only] : l.subscribers) {
    try {
      s.state?.(listening);
    } catch {
      /* a subscriber's own failure does not stop the others */
    }
  }
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

async function listenOn(l: SharedListener, client: pg.PoolClient, channel: string) {
  if (l.active.has(channel)) return;
  await client.query(`LISTEN ${channelName(channel)}`);
  if (l.client === client) l.active.add(channel);
}

async function openListener(db: Database, logger: Logger, l: SharedListener): Promise<void> {
  if (l.closed || l.client) return;
  let client: pg.PoolClient | undefined;
  try {
    client = await db.connect();
    const lost = (err?: Error) => {
      if (l.client !== client) return;
      l.client = undefined;
      l.active.clear();
      l.detach?.();
      client!.release(err ?? new Error('LISTEN connection ended'));
      if (l.closed) return;
      logger.warn({ reason: err?.message ?? 'ended' }, 'LISTEN connection lost; reconnecting (the outbox polls meanwhile)');
      setState(l, false); // notifications may have been swallowed: each subscriber catches up its own way
      scheduleReconnect(db, logger, l);
    };
    const ended = () => lost();
    const notified = (msg: pg.Notification) => {
      for (const s of l.subscribers) if (s.channel === msg.channel) s.notify(msg.payload);
    };
    client.on('error', lost);
    client.on('end', ended);
    client.on('notification', notified);
    // A pooled connection outlives this listener: its handlers must not (they piled up on the
    // pool's clients, one set per listen/unlisten cycle, until Node warned of a leak).
    const owned = client;
    l.detach = () => {
      owned.off('error', lost);
      owned.off('end', ended);
      owned.off('notification', notified);
      l.detach = undefined;
    };
    l.client = client;
    for (const channel of new Set([...l.subscribers].map((s) => s.channel))) await listenOn(l, client, channel);
    if (l.closed) return closeClient(l);
    if (l.attempt > 0) logger.info({ attempts: l.attempt }, 'LISTEN connection restored');
    l.attempt = 0;
    // and catch up on what was committed while we were not listening (a subscriber that joined
    // meanwhile is told by its own LISTEN)
    for (const s of l.subscribers) if (l.active.has(s.channel)) setState(l, true, s);
  } catch (err) {
    if (client && l.client === client) {
      l.client = undefined;
      l.active.clear();
      l.detach?.();
      client.release(err as Error);
    }
    if (l.closed) return;
    if (toDatabaseUnavailable(err)) {
      if (l.attempt === 0) logger.warn({ reason: (err as Error).message }, 'LISTEN unavailable; reconnecting (the outbox polls meanwhile)');
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
  l.active.clear();
  if (!client) return;
  await client.query('UNLISTEN *').catch(() => {});
  l.detach?.();
  client.release();
}

/**
 * Subscribe to NOTIFY on `sub.channel` over the one shared LISTEN connection of this database
 * (opened by the first subscriber, reconnected with backoff after an outage, closed with the last
 * subscriber). `sub.state(true)` tells when the LISTEN is active, `state(false)` when it was lost.
 * Returns the function that unsubscribes.
 */
export function subscribeNotify(db: Database, logger: Logger, sub: NotifySubscriber): () => Promise<void> {
  channelName(sub.channel);
  let l = listeners.get(db);
  if (!l || l.closed) {
    l = { subscribers: new Set(), active: new Set(), attempt: 0, closed: false, unsupported: false };
    listeners.set(db, l);
  }
  const shared = l;
  const first = shared.subscribers.size === 0;
  shared.subscribers.add(sub);
  if (first) void openListener(db, logger, shared);
  else if (shared.client) {
    // connected already: LISTEN on a new channel, then tell this subscriber
    const client = shared.client;
    void listenOn(shared, client, sub.channel).then(
      () => {
        if (shared.client === client && shared.subscribers.has(sub)) setState(shared, true, sub);
      },
      (err: Error) => logger.warn({ reason: err.message, channel: sub.channel }, 'LISTEN failed on the shared connection'),
    );
  }
  return async () => {
    shared.subscribers.delete(sub);
    if (shared.subscribers.size > 0) return;
    shared.closed = true;
    if (shared.retry) clearTimeout(shared.retry);
    if (listeners.get(db) === shared) listeners.delete(db);
    await closeClient(shared);
  };
}
