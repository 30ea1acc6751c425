import { randomUUID } from 'node:crypto';
import { AppError, isAppError, type Actor, type CrmCore } from '@crm/core';
import { createAssistant, inProcessMcpClientFactory, LocalPlannerChatModel, type Assistant } from '@crm/agents';
import { sharedChangeFeed, type ChangeFeed } from '@crm/mcp-servers';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { WsOptions } from '../auth/auth.config.ts';
import { subscribeDenial } from './event-visibility.ts';
import type { WebSocketServer } from './websocket.plugin.ts';
import { createWsHub, type WsConnection } from './ws.hub.ts';
import { tenantZoneOf } from '../runtime/tenant-zone.ts';
import { ClientMessage, CLOSE } from './ws.protocol.ts';

export interface WsRoutesOptions {
  core: CrmCore;
  options: WsOptions;
  /** Default: the offline local planner over in-process MCP clients, as `crm chat` uses. */
  assistant?: Assistant;
  /** The app's shared assistant (REST chat uses the same one); wins over `assistant`. */
  assistantFor?: () => Assistant;
  /** Default: the process's shared outbox tail. */
  changeFeed?: ChangeFeed;
  /** The app's one WebSocket server (shared with GraphQL subscriptions). */
  server: WebSocketServer;
}

const publicError = (err: unknown) =>
  isAppError(err) && !['INTERNAL', 'DATABASE_UNAVAILABLE'].includes(err.code)
    ? { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) }
    : { code: isAppError(err) ? err.code : 'INTERNAL', message: 'The request failed; it was logged' };

/**
 * An upgrade request answered with an ordinary response (401 before /ws runs, 403 on a foreign
 * Origin, or any non-WebSocket route) keeps its socket: node detached it from the HTTP server.
 * End it once the answer is written, or the client hangs and the server can never close.
 */
export function endRefusedUpgrades(fastify: FastifyInstance): void {
  // callback style: it runs after every response, and an async hook costs a promise each time
  fastify.addHook('onResponse', (req, reply, done) => {
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || reply.statusCode === 101) return done();
    const socket = req.raw.socket;
    if (socket.destroyed) return done();
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
    done();
  });
}

/**
 * WebSocket /ws: authenticated by the upgrade request (Authorization header or the
 * `crm.bearer.<token>` subprotocol; never the query string) or by a first `auth` message;
 * chat with the assistant (streamed tokens and steps, answer with citations, approvals) and
 * live subscriptions fed from the outbox. See the README for the message protocol.
 */
export const wsRoutes: FastifyPluginAsync<WsRoutesOptions & { authenticate?: (token: string, req: FastifyRequest) => Promise<Actor> }> = async (fastify, opts) => {
  const { core, options } = opts;
  const feed = opts.changeFeed ?? sharedChangeFeed(core, core.logger);
  const hub = createWsHub({ ...options, feed, logger: core.logger.child({ component: 'ws' }) });
  let assistant = opts.assistant;
  const assistantFor =
    opts.assistantFor ??
    (() => (assistant ??= createAssistant({ model: new LocalPlannerChatModel(), mcpClientFactory: inProcessMcpClientFactory({ core, logger: core.logger }), timeZoneOf: tenantZoneOf(core), logger: core.logger })));

  // the app's one @fastify/websocket (registerWebSocketServer) says goodbye to every client after this
  opts.server.onShutdown(() => hub.shutdown());

  fastify.get('/ws', { websocket: true }, (socket: WebSocket, req) => {
    let conn: WsConnection | undefined;
    let chatting = false;
    const reply = (message: unknown) => (conn ? hub.send(conn, message) : socket.readyState === socket.OPEN && socket.send(JSON.stringify(message)));
    const fail = (id: string | undefined, err: unknown) => reply({ type: 'error', ...(id ? { id } : {}), error: publicError(err) });

    function start(actor: Actor) {
      conn = hub.admit(socket, actor);
      if (!conn) return;
      clearTimeout(authTimer);
      if (req.authExpiresAt) {
        const expiry = setTimeout(() => conn && hub.close(conn, CLOSE.unauthenticated, 'token expired; reconnect with a fresh token'), Math.max(0, req.authExpiresAt - Date.now()));
        expiry.unref();
        socket.once('close', () => clearTimeout(expiry));
      }
      hub.send(conn, { type: 'ready', user: { id: actor.userId, tenantId: actor.tenantId, role: actor.role }, heartbeatMs: options.heartbeatMs });
    }

    const authTimer = setTimeout(() => {
      if (!conn) socket.close(CLOSE.unauthenticated, 'authenticate first: send {"type":"auth","token":"…"}');
    }, options.authTimeoutMs);
    authTimer.unref();
    socket.once('close', () => clearTimeout(authTimer));

    async function handle(raw: string) {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return fail(undefined, AppError.validation([{ path: 'message', reason: 'must be one JSON object' }]));
      }
      const parsed = ClientMessage.safeParse(json);
      const id = typeof (json as { id?: unknown })?.id === 'string' ? (json as { id: string }).id : undefined;
      if (!parsed.success) {
        return fail(id, AppError.validation(parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'type', reason: i.message }))));
      }
      const msg = parsed.data;
      if (!conn) {
        if (msg.type !== 'auth') return fail(id, new AppError('UNAUTHENTICATED', 'Authenticate first: send {"type":"auth","token":"…"}'));
        if (!opts.authenticate) return fail(id, new AppError('UNAUTHENTICATED', 'Authenticate with the Authorization header'));
        try {
          return start(await opts.authenticate(msg.token, req));
        } catch (err) {
          fail(undefined, err);
          return socket.close(CLOSE.unauthenticated, isAppError(err) ? err.message.slice(0, 120) : 'authentication failed');
        }
      }
      const c = conn;
      try {
        switch (msg.type) {
          case 'auth':
            throw new AppError('CONFLICT', 'This connection is already authenticated');
          case 'ping':
            return reply({ type: 'pong', ...(id ? { id } : {}) });
          case 'subscribe': {
            const denied = subscribeDenial(c.actor, msg.topic);
            if (denied) throw AppError.denied(msg.topic, denied);
            c.topics.set(msg.topic, msg.contactId ? { contactId: msg.contactId } : {});
            return reply({ type: 'subscribed', ...(id ? { id } : {}), topic: msg.topic });
          }
          case 'unsubscribe':
            c.topics.delete(msg.topic);
            return reply({ type: 'unsubscribed', ...(id ? { id } : {}), topic: msg.topic });
          case 'chat':
          case 'approve': {
            if (chatting) throw new AppError('CONFLICT', 'A chat turn is still running on this connection; wait for its answer');
            chatting = true;
            const threadId = msg.threadId ?? randomUUID();
            const handlers = {
              onToken: (token: string) => reply({ type: 'chat.token', ...(id ? { id } : {}), threadId, token }),
              onEvent: (event: unknown) => reply({ type: 'chat.step', ...(id ? { id } : {}), threadId, event }),
            };
            try {
              const result =
                msg.type === 'chat'
                  ? await assistantFor().chat(c.actor, { threadId, message: msg.message, ...(msg.contactId ? { contactId: msg.contactId } : {}) }, handlers)
                  : await assistantFor().decide(c.actor, { threadId, decisions: msg.decisions }, handlers);
              return reply({ type: 'chat.answer', ...(id ? { id } : {}), ...result });
            } finally {
              chatting = false;
            }
          }
        }
      } catch (err) {
        if (!isAppError(err)) req.log.error({ err }, 'WebSocket message failed');
        return fail(id, err);
      }
    }

    socket.on('message', (data, isBinary) => {
      if (isBinary) return fail(undefined, AppError.validation([{ path: 'message', reason: 'must be a text frame with JSON' }]));
      void handle(data.toString());
    });

    if (req.actor) start(req.actor);
  });
};
