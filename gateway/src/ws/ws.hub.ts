import type { Actor, Logger, OutboxEvent } from '@crm/core';
import type { ChangeFeed } from '@crm/mcp-servers';
import type { WebSocket } from 'ws';
import type { WsOptions } from '../auth/auth.config.ts';
import { TOPIC_OF, visible } from './event-visibility.ts';
import { CLOSE, type Topic } from './ws.protocol.ts';

/** One authenticated socket and what it listens to. */
export interface WsConnection {
  socket: WebSocket;
  actor: Actor;
  topics: Map<Topic, { contactId?: string }>;
  alive: boolean;
  closed: boolean;
}

/**
 * Every open /ws connection of this process: per-user limits, fan-out of committed outbox events
 * (tenant-scoped, filtered by role), heartbeats and backpressure. Sends never queue beyond
 * `maxBufferedBytes`: a client that falls that far behind is closed with 4008.
 */
export function createWsHub(options: WsOptions & { feed: ChangeFeed; logger: Logger }) {
  const byTenant = new Map<string, Set<WsConnection>>();
  const perUser = new Map<string, number>();
  let unsubscribe: (() => void) | undefined;
  let dropped = 0;
  const userKey = (a: Actor) => `${a.tenantId}:${a.userId}`;

  function send(conn: WsConnection, message: unknown): boolean {
    if (conn.closed || conn.socket.readyState !== conn.socket.OPEN) return false;
    return sendText(conn, Buffer.from(JSON.stringify(message)));
  }

  /** Sends UTF-8 JSON text already encoded (a fan-out encodes an event once for every socket). */
  function sendText(conn: WsConnection, data: Buffer): boolean {
    if (conn.closed || conn.socket.readyState !== conn.socket.OPEN) return false;
    if (conn.socket.bufferedAmount + data.length > options.maxBufferedBytes) {
      dropped++;
      options.logger.warn({ userId: conn.actor.userId, buffered: conn.socket.bufferedAmount }, 'dropping a slow WebSocket consumer');
      close(conn, CLOSE.slowConsumer, `slow consumer: more than ${options.maxBufferedBytes} bytes unsent`);
      return false;
    }
    // a text frame: the Buffer is framed as it is, not copied or re-encoded per socket
    conn.socket.send(data, { binary: false });
    return true;
  }

  function close(conn: WsConnection, code: number, reason: string): void {
    if (conn.closed) return;
    remove(conn);
    conn.socket.close(code, reason.slice(0, 120));
  }

  function remove(conn: WsConnection): void {
    if (conn.closed) return;
    conn.closed = true;
    byTenant.get(conn.actor.tenantId)?.delete(conn);
    if (!byTenant.get(conn.actor.tenantId)?.size) byTenant.delete(conn.actor.tenantId);
    const key = userKey(conn.actor);
    const n = (perUser.get(key) ?? 1) - 1;
    if (n > 0) perUser.set(key, n);
    else perUser.delete(key);
  }

  function deliver(event: OutboxEvent): void {
    const topic = TOPIC_OF[event.type];
    const conns = topic && byTenant.get(event.tenantId);
    if (!conns) return;
    const message = {
      type: 'event',
      topic,
      event: { id: event.id, seq: event.seq, type: event.type, aggregateId: event.aggregateId, payload: event.payload, createdAt: event.createdAt.toISOString() },
    };
    // serialised once for every socket of the tenant that gets it (10,000 sockets: one stringify, not 10,000)
    let data: Buffer | undefined;
    for (const conn of [...conns]) {
      const sub = conn.topics.get(topic);
      if (!sub || (sub.contactId && sub.contactId !== event.aggregateId)) continue;
      if (visible(conn.actor, event, topic)) sendText(conn, (data ??= Buffer.from(JSON.stringify(message))));
    }
  }

  const heartbeat = setInterval(() => {
    for (const conns of byTenant.values()) {
      for (const conn of [...conns]) {
        if (!conn.alive) {
          // no pong since the last ping: a dead peer (or a half-open TCP connection)
          remove(conn);
          conn.socket.terminate();
          continue;
        }
        conn.alive = false;
        conn.socket.ping();
      }
    }
  }, options.heartbeatMs);
  heartbeat.unref();

  return {
    /** Admit an authenticated socket, or close it with 4429 beyond the per-user limit. */
    admit(socket: WebSocket, actor: Actor): WsConnection | undefined {
      const conn: WsConnection = { socket, actor, topics: new Map(), alive: true, closed: false };
      const key = userKey(actor);
      if ((perUser.get(key) ?? 0) >= options.maxConnectionsPerUser) {
        conn.closed = true;
        socket.close(CLOSE.tooManyConnections, `too many connections for this user (at most ${options.maxConnectionsPerUser})`);
        return undefined;
      }
      perUser.set(key, (perUser.get(key) ?? 0) + 1);
      let set = byTenant.get(actor.tenantId);
      if (!set) byTenant.set(actor.tenantId, (set = new Set()));
      set.add(conn);
      socket.on('pong', () => (conn.alive = true));
      socket.on('close', () => remove(conn));
      unsubscribe ??= options.feed.subscribe(deliver);
      return conn;
    },
    send,
    close,
    stats() {
      let connections = 0;
      for (const s of byTenant.values()) connections += s.size;
      return { connections, users: perUser.size, droppedSlowConsumers: dropped };
    },
    /** Graceful shutdown: every client gets a close frame (1001). */
    shutdown(): void {
      clearInterval(heartbeat);
      for (const conns of [...byTenant.values()]) for (const conn of [...conns]) close(conn, CLOSE.goingAway, 'server shutting down');
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}

export type WsHub = ReturnType<typeof createWsHub>;
