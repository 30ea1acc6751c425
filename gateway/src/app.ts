import type { CrmCore } from '@crm/core';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { errorHandler } from './http/error-envelope.ts';
import { mcpRoutes } from './http/mcp.routes.ts';

export interface AppOptions {
  core: CrmCore;
  version: string;
}

/** The gateway as a Fastify plugin; server.ts (or a test) decides where it listens. */
export const app: FastifyPluginAsync<AppOptions> = async (fastify: FastifyInstance, opts) => {
  fastify.setErrorHandler(errorHandler);
  await fastify.register(mcpRoutes, { core: opts.core });
  fastify.get('/health', async () => {
    const started = process.hrtime.bigint();
    await opts.core.db.asWorker((c) => c.query('SELECT 1'));
    return {
      status: 'ok',
      version: opts.version,
      database: opts.core.db.kind,
      dbLatencyMs: Number(process.hrtime.bigint() - started) / 1e6,
    };
  });
};
