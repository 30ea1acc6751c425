import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Actor, CrmCore, Logger } from '@crm/core';
import { silentLogger } from '@crm/core/contracts';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { sharedChangeFeed, type ChangeFeed } from '../framework/change-feed.ts';
import { authInfoFor } from '../framework/tool-context.ts';
import { createServerByName } from '../servers.ts';
import { BoundedEventStore } from './event-store.ts';
import { readJsonBody, sendJsonRpcError } from './http-io.ts';

export interface McpHttpAuth {
  actor: Actor;
  /** The bearer token the actor was resolved from (passed on as AuthInfo.token). */
  token?: string;
}

export interface McpHttpHandlerOptions {
  core: CrmCore;
  /** `crm-data`, `crm` (combined) or any other registered server. */
  server: string;
  logger?: Logger;
  /** Close a session with no open request or stream after this long (default 30 minutes). */
  idleTimeoutMs?: number;
  /** Refuse new sessions beyond this many (default 1000). */
  maxSessions?: number;
  /** Refuse a user's new sessions beyond this many open ones (default 20), so one client cannot take them all. */
  maxSessionsPerUser?: number;
  /** Resumability window per session, in events (default 500). */
  maxEventsPerSession?: number;
  /** Default: the process's shared outbox tail (see sharedChangeFeed). */
  changeFeed?: ChangeFeed;
}

interface Session {
  id?: string;
  actor: Actor;
  transport: StreamableHTTPServerTransport;
  events: BoundedEventStore;
  lastSeen: number;
  open: number;
}

export interface McpHttpHandler {
  /** Serve one request (POST, GET or DELETE) of an authenticated caller. `body` is the parsed JSON body, if already read. */
  handle(req: IncomingMessage, res: ServerResponse, options: { auth?: McpHttpAuth; body?: unknown }): Promise<void>;
  stats(): { sessions: number; storedEvents: number };
  close(): Promise<void>;
}

const sameActor = (a: Actor, b: Actor) => a.userId === b.userId && a.tenantId === b.tenantId;

/**
 * Streamable HTTP for one MCP server, as a plain function over node's req/res so the gateway
 * (Fastify: `reply.hijack()`, `request.raw`, `reply.raw`) or a bare `node:http` server can mount
 * it. Stateful: one McpServer + transport per session, bound to the user who opened it; sessions
 * end on DELETE, on transport close, or after the idle timeout, and take their event store with them.
 */
export function createMcpHttpHandler(options: McpHttpHandlerOptions): McpHttpHandler {
  const logger = (options.logger ?? silentLogger()).child({ component: 'mcp-http', mcpServer: options.server });
  const idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60_000;
  const maxSessions = options.maxSessions ?? 1000;
  const maxPerUser = options.maxSessionsPerUser ?? 20;
  const feed = options.changeFeed ?? sharedChangeFeed(options.core, logger);
  const sessions = new Map<string, Session>();
  const pending = new Set<Session>();

  const sweep = setInterval(() => {
    const cutoff = Date.now() - idleTimeoutMs;
    for (const s of sessions.values()) {
      if (s.open === 0 && s.lastSeen < cutoff) {
        logger.debug({ sessionId: s.id }, 'closing idle MCP session');
        void s.transport.close();
      }
    }
  }, Math.max(1000, Math.min(idleTimeoutMs / 2, 60_000)));
  sweep.unref();

  function track(s: Session, res: ServerResponse) {
    s.open++;
    s.lastSeen = Date.now();
    res.once('close', () => {
      s.open--;
      s.lastSeen = Date.now();
    });
  }

  async function openSession(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, auth: McpHttpAuth, body: unknown) {
    if (sessions.size + pending.size >= maxSessions) {
      return sendJsonRpcError(res, 503, -32000, 'Too many MCP sessions; close unused ones or try again later');
    }
    const mine = [...sessions.values(), ...pending].filter((s) => sameActor(s.actor, auth.actor)).length;
    if (mine >= maxPerUser) {
      return sendJsonRpcError(
        res,
        429,
        -32000,
        `Too many MCP sessions for this user (${mine} open, at most ${maxPerUser}): end unused ones with DELETE and their Mcp-Session-Id, or wait for idle ones to expire`,
      );
    }
    const events = new BoundedEventStore(options.maxEventsPerSession ?? 500);
    const session: Session = { actor: auth.actor, events, lastSeen: Date.now(), open: 0, transport: undefined as never };
    session.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: events,
      onsessioninitialized: (id) => {
        session.id = id;
        sessions.set(id, session);
      },
    });
    session.transport.onclose = () => {
      if (session.id) sessions.delete(session.id);
      pending.delete(session);
      events.clear();
    };
    const server = createServerByName(options.server, { core: options.core, actor: auth.actor, logger, changeFeed: feed });
    pending.add(session);
    try {
      await server.connect(session.transport);
      track(session, res);
      await session.transport.handleRequest(req, res, body);
    } finally {
      pending.delete(session);
      // an initialize that failed leaves a server no session will ever reach
      if (!session.id) await server.close().catch(() => {});
    }
  }

  return {
    async handle(req, res, { auth, body }) {
      if (!auth) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return sendJsonRpcError(res, 401, -32001, 'Authentication required: send Authorization: Bearer <API key>');
      }
      const request = req as IncomingMessage & { auth?: AuthInfo };
      request.auth = authInfoFor(auth.actor, auth.token);
      const sessionId = req.headers['mcp-session-id'];
      if (typeof sessionId === 'string' && sessionId) {
        const session = sessions.get(sessionId);
        // another user's session id is answered exactly like an unknown one
        if (!session || !sameActor(session.actor, auth.actor)) return sendJsonRpcError(res, 404, -32001, 'Session not found');
        track(session, res);
        return session.transport.handleRequest(request, res, body);
      }
      if (req.method !== 'POST') return sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      const parsed = body === undefined ? await readJsonBody(req) : { ok: true as const, value: body };
      if (!parsed.ok) return sendJsonRpcError(res, parsed.status, parsed.code, parsed.message);
      if (!isInitializeRequest(parsed.value)) {
        return sendJsonRpcError(res, 400, -32000, 'Bad Request: start a session with an initialize request, then send Mcp-Session-Id');
      }
      return openSession(request, res, auth, parsed.value);
    },

    stats() {
      let storedEvents = 0;
      for (const s of sessions.values()) storedEvents += s.events.size;
      return { sessions: sessions.size, storedEvents };
    },

    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.values(), ...pending].map((s) => s.transport.close().catch(() => {})));
    },
  };
}
