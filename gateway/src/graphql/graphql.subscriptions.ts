import { AppError, isAppError, type Actor, type CrmCore, type OutboxEvent, type WorkflowExecution } from '@crm/core';
import type { ChangeFeed } from '@crm/mcp-servers';
import type { FastifyRequest } from 'fastify';
import type { WebSocket, WebSocketServer as Wss } from 'ws';
import type { WsOptions } from '../auth/auth.config.ts';
import { subscribeDenial, TOPIC_OF, visible } from '../ws/event-visibility.ts';
import { CLOSE } from '../ws/ws.protocol.ts';
import { STATUS_BY_CODE } from '../http/error-envelope.ts';
import type { GraphqlContext } from './graphql.resolvers.ts';
import { liveEvents } from './live-events.ts';

/** Close codes of GraphQL over WebSocket (graphql-transport-ws) beside the /ws ones we share. */
export const GQL_CLOSE = {
  /** connection_init with no or a refused credential. */
  forbidden: 4403,
  /** No connection_init within WS_AUTH_TIMEOUT_SECONDS. */
  initTimeout: 4408,
  ...CLOSE,
} as const;

/** Events (and values) one subscription may have waiting for a client that does not read. */
const MAX_QUEUED = 256;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export interface GraphqlSubscriptionDeps {
  core: CrmCore;
  feed: ChangeFeed;
  options: WsOptions;
  authenticate: (token: string, req: FastifyRequest) => Promise<Actor>;
}

interface Conn {
  socket: WebSocket;
  actor?: Actor;
  alive: boolean;
  timers: NodeJS.Timeout[];
}

/** What mercurius hands a subscription resolver: our actor plus the connection's socket. */
type SubscriptionContext = GraphqlContext & { socket?: WebSocket };

/** The credential of a connection_init payload: `authorization` ("Bearer …" or bare), `Authorization`, `headers.authorization` or `token`. */
export function initCredential(payload: unknown): string | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const p = payload as Record<string, unknown>;
  const headers = (p.headers && typeof p.headers === 'object' ? p.headers : {}) as Record<string, unknown>;
  const raw = [p.authorization, p.Authorization, headers.authorization, headers.Authorization, p.token].find((v) => typeof v === 'string' && v.trim());
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim();
  return /^bearer\s+/i.test(value) ? value.replace(/^bearer\s+/i, '').trim() : value;
}

/** An error a subscription start answers with: REST's code in `extensions`, no internals. */
function publicError(err: unknown): Error {
  if (isAppError(err) && STATUS_BY_CODE[err.code] < 500) {
    return Object.assign(new Error(err.message), { extensions: { code: err.code, ...(err.details !== undefined ? { details: err.details } : {}) } });
  }
  const code = isAppError(err) ? err.code : 'INTERNAL';
  return Object.assign(new Error(code === 'DATABASE_UNAVAILABLE' ? 'The database is unavailable. Please retry shortly.' : 'Internal error. The request was logged.'), { extensions: { code } });
}

/** Subscription resolvers throw what publicError makes of their errors (mercurius sends them as they are). */
const guarded =
  <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      throw publicError(err);
    }
  };

/** Records that vanished or that the subscriber may no longer read are skipped, not sent as errors. */
async function unlessGone<T>(load: () => Promise<T>): Promise<T[]> {
  try {
    return [await load()];
  } catch (err) {
    if (isAppError(err) && (err.code === 'NOT_FOUND' || err.code === 'PERMISSION_DENIED')) return [];
    throw err;
  }
}

/**
 * GraphQL subscriptions over WebSocket on the app's one WebSocket server: authentication at
 * connection_init (or on the upgrade, like /ws), per-user connection limits, heartbeats, token
 * expiry, and the design document's `contactUpdated`, `workflowExecutionStatus` and `newInsights`
 * fed from the same outbox change feed as /ws with the same per-event permission checks.
 */
export function createGraphqlSubscriptions(deps: GraphqlSubscriptionDeps) {
  const { core, feed, options } = deps;
  const logger = core.logger.child({ component: 'graphql-ws' });
  const conns = new Map<WebSocket, Conn>();
  const perUser = new Map<string, number>();
  const userKey = (a: Actor) => `${a.tenantId}:${a.userId}`;

  function close(socket: WebSocket, code: number, reason: string): void {
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason.slice(0, 120));
  }

  function forget(conn: Conn): void {
    if (!conns.delete(conn.socket)) return;
    for (const t of conn.timers) clearTimeout(t);
    if (!conn.actor) return;
    const key = userKey(conn.actor);
    const n = (perUser.get(key) ?? 1) - 1;
    if (n > 0) perUser.set(key, n);
    else perUser.delete(key);
  }

  const heartbeat = setInterval(() => {
    for (const conn of [...conns.values()]) {
      if (!conn.alive) {
        forget(conn);
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      if (conn.socket.readyState === conn.socket.OPEN) conn.socket.ping();
    }
  }, options.heartbeatMs);
  heartbeat.unref();

  /** Every upgrade to /graphql: until connection_init authenticates it, it has WS_AUTH_TIMEOUT_SECONDS. */
  function track(socket: WebSocket): void {
    const conn: Conn = { socket, alive: true, timers: [] };
    conns.set(socket, conn);
    socket.on('pong', () => (conn.alive = true));
    socket.once('close', () => forget(conn));
    const timer = setTimeout(() => {
      if (!conn.actor) close(socket, GQL_CLOSE.initTimeout, 'Connection initialisation timeout: send connection_init with "authorization"');
    }, options.authTimeoutMs);
    timer.unref();
    conn.timers.push(timer);
  }

  function refuse(socket: WebSocket, code: number, err: unknown): false {
    const message = isAppError(err) ? err.message : 'authentication failed';
    // the legacy graphql-ws protocol has connection_error; graphql-transport-ws only the close reason
    if (socket.protocol === 'graphql-ws' && socket.readyState === socket.OPEN) {
      socket.send(JSON.stringify({ type: 'connection_error', payload: { message, extensions: { code: isAppError(err) ? err.code : 'UNAUTHENTICATED' } } }));
    }
    close(socket, code, message);
    return false;
  }

  /**
   * mercurius's onConnect, called as a method of its connection (`this` holds the socket and the
   * upgrade request; mercurius passes nothing else): the connection_init credential, else the one
   * of the upgrade request; refused → closed with 4403 and the reason.
   */
  async function onConnect(this: unknown, data: { payload?: unknown }): Promise<false | { actor: Actor }> {
    const self = this as { socket?: WebSocket; context?: { request?: FastifyRequest } } | undefined;
    const socket = self?.socket;
    const req = self?.context?.request;
    if (!socket || !req) return false; // fail closed should mercurius change how it calls us
    const conn = conns.get(socket);
    if (!conn || conn.actor) return refuse(socket, GQL_CLOSE.forbidden, new AppError('CONFLICT', 'This connection is already initialised'));
    let actor: Actor;
    try {
      const token = initCredential(data.payload);
      if (token) actor = await deps.authenticate(token, req);
      else if (req.actor) actor = req.actor;
      else throw new AppError('UNAUTHENTICATED', 'Send "authorization": "Bearer <API key or token>" in the connection_init payload');
    } catch (err) {
      return refuse(socket, GQL_CLOSE.forbidden, err);
    }
    // closed while the credential was checked: nothing to count (its close handler already ran)
    if (!conns.has(socket) || socket.readyState !== socket.OPEN) return false;
    const key = userKey(actor);
    if ((perUser.get(key) ?? 0) >= options.maxConnectionsPerUser) {
      close(socket, GQL_CLOSE.tooManyConnections, `too many connections for this user (at most ${options.maxConnectionsPerUser})`);
      return false;
    }
    perUser.set(key, (perUser.get(key) ?? 0) + 1);
    conn.actor = actor;
    if (req.authExpiresAt) {
      const expiry = setTimeout(() => close(socket, GQL_CLOSE.unauthenticated, 'token expired; reconnect with a fresh token'), Math.max(0, req.authExpiresAt - Date.now()));
      expiry.unref();
      conn.timers.push(expiry);
    }
    return { actor };
  }

  /** The live stream of one subscription, cut off with 4008 when its client stops reading. */
  function stream<T>(ctx: SubscriptionContext, o: { match: (e: OutboxEvent) => boolean; load: (e: OutboxEvent) => Promise<T[]>; initial?: () => Promise<T[]>; isLast?: (v: T) => boolean }) {
    return liveEvents<T>({
      ...o,
      feed,
      logger,
      maxQueued: MAX_QUEUED,
      onOverflow: () => {
        logger.warn({ userId: ctx.actor.userId }, 'dropping a slow GraphQL subscriber');
        if (ctx.socket) close(ctx.socket, GQL_CLOSE.slowConsumer, `slow consumer: more than ${MAX_QUEUED} events unsent`);
      },
    });
  }

  const topicIs = (e: OutboxEvent, topic: string) => TOPIC_OF[e.type] === topic;
  const identity = (v: unknown) => v;

  const resolvers = {
    Subscription: {
      contactUpdated: {
        subscribe: guarded(async (_: unknown, args: { contactId: string }, ctx: SubscriptionContext) => {
          const { actor } = ctx;
          await core.contacts.get(actor, args.contactId); // NOT_FOUND for an unknown (or another tenant's) contact
          return stream(ctx, {
            match: (e) => topicIs(e, 'contacts') && e.aggregateId === args.contactId && visible(actor, e, 'contacts'),
            load: () => unlessGone(() => core.contacts.get(actor, args.contactId)),
          });
        }),
        resolve: identity,
      },
      workflowExecutionStatus: {
        subscribe: guarded(async (_: unknown, args: { executionId: string }, ctx: SubscriptionContext) => {
          const { actor } = ctx;
          const denied = subscribeDenial(actor, 'workflow-executions');
          if (denied) throw AppError.denied('workflows:read', denied);
          const current = await core.workflows.getExecution(actor, args.executionId);
          return stream<WorkflowExecution>(ctx, {
            initial: async () => [current],
            match: (e) => topicIs(e, 'workflow-executions') && (e.payload as { executionId?: string }).executionId === args.executionId && visible(actor, e, 'workflow-executions'),
            load: () => unlessGone(() => core.workflows.getExecution(actor, args.executionId)),
            isLast: (x) => TERMINAL.has(x.status),
          });
        }),
        resolve: identity,
      },
      newInsights: {
        subscribe: guarded(async (_: unknown, args: { userId: string }, ctx: SubscriptionContext) => {
          const { actor } = ctx;
          if (args.userId !== actor.userId) throw new AppError('PERMISSION_DENIED', 'newInsights streams your own insights: pass your own user id', { details: [{ path: 'userId', reason: 'must be the id of the authenticated user' }] });
          const denied = subscribeDenial(actor, 'insights');
          if (denied) throw AppError.denied('analytics:read', denied);
          return stream(ctx, {
            match: (e) => topicIs(e, 'insights') && visible(actor, e, 'insights'),
            load: async (e) => (e.payload as { insights?: unknown[] }).insights ?? [],
          });
        }),
        resolve: identity,
      },
    },
  };

  return {
    resolvers,
    /** Options for mercurius's `subscription`. */
    mercurius: {
      onConnect,
      context: (socket: WebSocket) => ({ socket }),
    },
    /** Watch the app's WebSocket server for upgrades to `path`. */
    attach(wss: Wss, path: string): void {
      wss.on('connection', (socket: WebSocket, raw: { url?: string }) => {
        if ((raw.url ?? '').split('?')[0] === path) track(socket);
      });
    },
    shutdown(): void {
      clearInterval(heartbeat);
    },
    stats: () => ({ connections: conns.size, users: perUser.size }),
  };
}

export type GraphqlSubscriptions = ReturnType<typeof createGraphqlSubscriptions>;
