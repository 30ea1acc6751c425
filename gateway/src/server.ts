import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { app } from './app.ts';
import { httpSecurityOptions } from './http/http.config.ts';
import { httpServerOptions } from './http/http-security.ts';
import { authOptions, wsOptions } from './auth/auth.config.ts';
import type { Assistant } from '@crm/agents';
import type { Runtime } from './runtime/runtime.ts';
import { VERSION } from './version.ts';

export { VERSION };

/** Listen on host:port with the gateway app over the runtime's core, health and HTTP protections. */
export async function startHttpServer(runtime: Runtime, opts: { host: string; port: number; assistant?: Assistant }): Promise<{ server: FastifyInstance; url: string }> {
  const http = httpSecurityOptions(runtime.config.httpEnv);
  const server = Fastify({ loggerInstance: runtime.logger.child({ component: 'http' }) as unknown as FastifyBaseLogger, ...httpServerOptions(http) });
  await server.register(app, { core: runtime.core, version: VERSION, health: () => runtime.health(), http, reportDelivery: runtime.reportDelivery, assistant: opts.assistant, webhookSecret: runtime.config.workflows.WORKFLOW_WEBHOOK_SECRET,
    auth: authOptions(runtime.config.authEnv, { host: opts.host, port: opts.port || runtime.config.http.port }),
    ws: wsOptions(runtime.config.wsEnv),
    graphiql: runtime.config.httpEnv.GRAPHQL_GRAPHIQL,
  });
  const address = await server.listen({ host: opts.host, port: opts.port });
  return { server, url: address };
}
