import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { CrmCore, Logger } from '@crm/core';
import { app } from './app.ts';

export const VERSION = '0.1.0';

export async function startHttpServer(core: CrmCore, logger: Logger, opts: { host: string; port: number }): Promise<{ server: FastifyInstance; url: string }> {
  const server = Fastify({ loggerInstance: logger.child({ component: 'http' }) as unknown as FastifyBaseLogger, bodyLimit: 10 * 1024 * 1024 });
  await server.register(app, { core, version: VERSION });
  const address = await server.listen({ host: opts.host, port: opts.port });
  return { server, url: address };
}
