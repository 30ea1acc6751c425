import { createMcpHttpHandler, serverNames, type McpHttpHandler } from '@crm/mcp-servers';
import type { CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { authenticate } from './api-key.auth.ts';

/**
 * MCP over Streamable HTTP at /mcp/<server> (crm, crm-data, …). The API key authenticates the
 * caller; the MCP handler owns the raw response from there on (SSE streams, session headers).
 */
export const mcpRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (fastify, { core }) => {
  const handlers = new Map<string, McpHttpHandler>();
  for (const name of serverNames()) handlers.set(name, createMcpHttpHandler({ core, server: name, logger: fastify.log as never }));
  fastify.addHook('onClose', async () => {
    await Promise.all([...handlers.values()].map((h) => h.close()));
  });

  fastify.route<{ Params: { server: string } }>({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp/:server',
    handler: async (req, reply) => {
      const handler = handlers.get(req.params.server);
      if (!handler) {
        return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No MCP server "${req.params.server}"; try one of ${[...handlers.keys()].join(', ')}` } });
      }
      let auth;
      try {
        auth = await authenticate(core, req);
      } catch (err) {
        void reply.header('www-authenticate', 'Bearer realm="agentic-crm"');
        throw err;
      }
      reply.hijack();
      await handler.handle(req.raw, reply.raw, { auth, body: req.body });
    },
  });
};
