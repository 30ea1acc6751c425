import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { CLOSE, WS_PROTOCOL } from './ws.protocol.ts';

/** The subprotocols of GraphQL over WebSocket that mercurius speaks, preferred first. */
export const GRAPHQL_WS_PROTOCOLS = ['graphql-transport-ws', 'graphql-ws'] as const;

/**
 * The subprotocol echoed back on an upgrade: `crm.v1` on /ws, a GraphQL one on /graphql. Never the
 * bearer subprotocol (it carries the token); `false` answers without one.
 */
export function selectProtocol(offered: Set<string>, url: string | undefined): string | false {
  const path = (url ?? '').split('?')[0];
  if (path === '/graphql') return GRAPHQL_WS_PROTOCOLS.find((p) => offered.has(p)) ?? false;
  return offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false;
}

export interface WebSocketServer {
  /** Called on graceful shutdown before every remaining client gets its close frame. */
  onShutdown(fn: () => void): void;
}

/**
 * The app's one `@fastify/websocket` instance, registered in the app's own scope so that both
 * /ws and mercurius's GraphQL subscriptions at /graphql use it (mercurius registers its own only
 * when `fastify.websocketServer` is missing, and a second registration would fail).
 * Graceful shutdown: the owners' hooks run (the /ws hub says goodbye to its users), then every
 * client gets a close frame (1001) and no new upgrade is accepted; a peer that does not answer
 * its close frame is cut off after a grace period.
 */
export async function registerWebSocketServer(fastify: FastifyInstance): Promise<WebSocketServer> {
  const hooks: (() => void)[] = [];
  await fastify.register(websocket, {
    options: {
      maxPayload: 64 * 1024,
      handleProtocols: (protocols, request) => selectProtocol(protocols, request.url),
    },
    preClose: function (done) {
      for (const hook of hooks) hook();
      const wss = this.websocketServer;
      for (const client of wss.clients) if (client.readyState === client.OPEN) client.close(CLOSE.goingAway, 'server shutting down');
      setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, 2000).unref();
      wss.close();
      done();
    },
  });
  return { onShutdown: (fn) => void hooks.push(fn) };
}
