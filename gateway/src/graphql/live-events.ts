import type { Logger, OutboxEvent } from '@crm/core';
import type { ChangeFeed } from '@crm/mcp-servers';

export interface LiveEventsOptions<T> {
  feed: ChangeFeed;
  /** Cheap synchronous filter on the raw event (type, tenant, role, aggregate). */
  match: (event: OutboxEvent) => boolean;
  /** The values an event becomes (re-read as the subscriber, so core checks permissions); [] skips it. */
  load: (event: OutboxEvent) => Promise<T[]>;
  /** Values to send first (e.g. the current state), before any event. */
  initial?: () => Promise<T[]>;
  /** A value after which the stream completes (e.g. a finished execution). */
  isLast?: (value: T) => boolean;
  /** Events and values waiting for a slow client; one more calls `onOverflow` and ends the stream. */
  maxQueued: number;
  onOverflow: () => void;
  logger: Logger;
}

/**
 * An async iterator over committed outbox events for one GraphQL subscription. Events are loaded
 * one at a time, in order; `return()` (client stop, socket closed) ends it at once, even while it
 * waits, and detaches it from the feed. The queue is bounded: a client that does not read is cut
 * off (`onOverflow`) instead of being buffered for.
 */
export function liveEvents<T>(o: LiveEventsOptions<T>): AsyncIterableIterator<T> {
  const inbox: (OutboxEvent | 'initial')[] = o.initial ? ['initial'] : [];
  const ready: T[] = [];
  let waiting: ((r: IteratorResult<T>) => void) | undefined;
  let ending = false; // no more events accepted; done once `ready` is drained
  let busy = false;
  let unsubscribe: (() => void) | undefined;

  const done = (): IteratorResult<T> => ({ value: undefined, done: true });

  function end(): void {
    ending = true;
    inbox.length = 0;
    unsubscribe?.();
    unsubscribe = undefined;
    if (waiting && !ready.length) {
      const w = waiting;
      waiting = undefined;
      w(done());
    }
  }

  function deliver(value: T): void {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w({ value, done: false });
    } else ready.push(value);
    if (o.isLast?.(value)) end();
  }

  async function drain(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      while (inbox.length && !ending) {
        const next = inbox.shift()!;
        let values: T[] = [];
        try {
          values = next === 'initial' ? await o.initial!() : await o.load(next);
        } catch (err) {
          o.logger.warn({ err }, 'could not load a live event for a GraphQL subscription; skipped');
        }
        for (const v of values) if (!ending) deliver(v);
      }
    } finally {
      busy = false;
    }
  }

  unsubscribe = o.feed.subscribe((event) => {
    if (ending || !o.match(event)) return;
    if (inbox.length + ready.length >= o.maxQueued) {
      end();
      o.onOverflow();
      return;
    }
    inbox.push(event);
    void drain();
  });
  void drain();

  return {
    next(): Promise<IteratorResult<T>> {
      if (ready.length) return Promise.resolve({ value: ready.shift()!, done: false });
      if (ending) return Promise.resolve(done());
      return new Promise((resolve) => (waiting = resolve));
    },
    return(): Promise<IteratorResult<T>> {
      ready.length = 0;
      end();
      return Promise.resolve(done());
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
