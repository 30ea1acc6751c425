import { createMcpHttpHandler, serverNames, type McpHttpHandler } from '@crm/mcp-servers';
import type { CrmCore } from '@crm/core';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { bodyLimitOf, errorHandler } from './error-envelope.ts';
import { authenticate, bearerToken } from './api-key.auth.ts';
import { assertMcpScopes, mcpChallenge } from '../auth/mcp-oauth.ts';

/**
 * MCP over Streamable HTTP at /mcp/<server> (crm, crm-data, …) and /mcp (= /mcp/crm), an OAuth 2.1 resource server: a
 * token for the MCP audience (or an API key) authenticates the caller, 401s name the resource
 * metadata, missing scopes get a 403 scope challenge; the MCP handler owns the raw response from
 * there on (SSE streams, session headers; sessions are bound to the user who opened them).
 */
/** The server that has every tool: what /mcp serves. */
const COMBINED = 'crm';

export const mcpRoutes: FastifyPluginAsync<{ core: CrmCore; limits?: { maxSessions: number; maxSessionsPerUser: number } }> = async (fastify, { core, limits }) => {
  const handlers = new Map<string, McpHttpHandler>();
  for (const name of serverNames()) handlers.set(name, createMcpHttpHandler({ core, server: name, logger: fastify.log as never, ...limits }));
  fastify.addHook('onClose', async () => {
    await Promise.all([...handlers.values()].map((h) => h.close()));
  });

  // MCP clients read JSON-RPC errors, not the REST envelope: a body that is not JSON, or is not sent
  // as JSON (text/plain reached the handler as a string), is answered as the SDK's transport would
  fastify.removeContentTypeParser('text/plain');
  fastify.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.status(400).send({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: Invalid JSON' }, id: null });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ jsonrpc: '2.0', error: { code: -32000, message: `Request body exceeds ${bodyLimitOf(req)} bytes` }, id: null });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send({ jsonrpc: '2.0', error: { code: -32000, message: 'Unsupported Media Type: Content-Type must be application/json' }, id: null });
    }
    return errorHandler(err, req, reply);
  });

  const serve = async (name: string, req: FastifyRequest, reply: FastifyReply) => {
    const handler = handlers.get(name);
    if (!handler) {
      return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No MCP server "${name}"; try one of ${[...handlers.keys()].join(', ')}` } });
    }
    let auth;
    try {
      // registerHttpSecurity has already resolved a presented key; this covers a missing one
      auth = req.actor ? { actor: req.actor, token: bearerToken(req) ?? '' } : await authenticate(core, req);
    } catch (err) {
      void reply.header('www-authenticate', mcpChallenge(req));
      throw err;
    }
    if (req.actor) assertMcpScopes(req, reply, req.body);
    reply.hijack();
    await handler.handle(req.raw, reply.raw, { auth, body: req.body });
  };
  fastify.route<{ Params: { server: string } }>({ method: ['GET', 'POST', 'DELETE'], url: '/mcp/:server', handler: (req, reply) => serve(req.params.server, req, reply) });
  // /mcp itself is the combined server: it is the resource the OAuth metadata and the default
  // `resource` name, and the MCP Inspector CLI (0.15) sends every http URL not ending in /mcp to
  // <origin>/mcp — both got a bare 404 (QA round 6)
  fastify.route({ method: ['GET', 'POST', 'DELETE'], url: '/mcp', handler: (req, reply) => serve(COMBINED, req, reply) });
};
