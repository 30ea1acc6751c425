import { randomUUID } from 'node:crypto';
import type { CrmCore, Logger, OutboxEvent } from '@crm/core';
import { createOutboxTail } from '@crm/core/contracts';

export type ChangeListener = (event: OutboxEvent) => void;

/** Committed domain events, fanned out to any number of MCP server instances. */
export interface ChangeFeed {
  subscribe(listener: ChangeListener): () => void;
  close(): Promise<void>;
}

function fanOut(attach: (emit: ChangeListener) => () => void | Promise<void>): ChangeFeed {
  const listeners = new Set<ChangeListener>();
  let detach: (() => void | Promise<void>) | undefined;
  const emit: ChangeListener = (event) => {
    for (const l of listeners) l(event);
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      detach ??= attach(emit);
      return () => {
        listeners.delete(listener);
        if (!listeners.size && detach) {
          void Promise.resolve(detach()).catch(() => {});
          detach = undefined;
        }
      };
    },
    async close() {
      listeners.clear();
      await detach?.();
      detach = undefined;
    },
  };
}

/**
 * Events from the process's outbox dispatcher, under one consumer name unique to this feed. Only
 * for a single process that runs the dispatcher: a dispatcher hands an event to the subscribers of
 * the process that claimed it, so with several replicas (or a separate `crm mcp` process) sessions
 * elsewhere would miss it; and every event costs one processed_events row per consumer.
 * Attaching does not start the dispatcher; its owner does.
 */
export function outboxChangeFeed(core: CrmCore, consumer = `mcp-notify:${randomUUID()}`): ChangeFeed {
  return fanOut((emit) =>
    core.outbox.subscribe({
      consumer,
      handler: (event) => emit(event),
    }),
  );
}

/**
 * Events read passively from the outbox table: every process sees every committed event, whoever
 * dispatches it, and nothing is claimed or marked. That is what notifications need in a separate
 * `crm mcp` process (a dispatcher there would mark events dispatched that belong to `crm start`'s
 * consumers) and behind several gateway replicas. The tail runs while anyone listens.
 */
export function tailChangeFeed(core: CrmCore, logger: Logger, options: { pollMs?: number } = {}): ChangeFeed {
  return fanOut((emit) => {
    const tail = createOutboxTail(core.db, logger.child({ component: 'mcp-change-feed' }), { pollMs: options.pollMs ?? 500 });
    tail.subscribe(emit);
    const started = tail.start().catch((err) => logger.warn({ err }, 'could not start the outbox tail; no live resource notifications'));
    return async () => {
      await started;
      await tail.stop();
    };
  });
}

const shared = new WeakMap<CrmCore, ChangeFeed>();

/** The default: one outbox tail per core (one poller, one LISTEN connection) shared by every server instance. */
export function sharedChangeFeed(core: CrmCore, logger: Logger): ChangeFeed {
  let feed = shared.get(core);
  if (!feed) {
    const tail = tailChangeFeed(core, logger);
    // listeners come and go with sessions; the shared tail stops by itself when the last one leaves
    feed = { subscribe: tail.subscribe, close: async () => {} };
    shared.set(core, feed);
  }
  return feed;
}
