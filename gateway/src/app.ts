import { AppError, type CrmCore, type ReportDelivery } from '@crm/core';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { errorHandler } from './http/error-envelope.ts';
import { DEFAULT_HTTP_SECURITY, type HttpSecurityOptions } from './http/http.config.ts';
import { registerHttpSecurity } from './http/http-security.ts';
import { mcpRoutes } from './http/mcp.routes.ts';
import { restApi } from './http/api/rest-api.plugin.ts';
import { webhookRoutes } from './http/webhooks.routes.ts';
import { graphqlRoutes } from './graphql/graphql.plugin.ts';
import type { HealthReport } from './runtime/runtime.ts';
import { DEFAULT_AUTH, DEFAULT_WS, type AuthOptions, type WsOptions } from './auth/auth.config.ts';
import { assertNoQueryCredential, createAuthenticator, isMcpRequest, requestBase } from './auth/authenticator.ts';
import { authRoutes } from './auth/auth.routes.ts';
import { mcpChallenge, mcpOAuthRoutes } from './auth/mcp-oauth.ts';
import { oauthServerRoutes } from './auth/oauth.routes.ts';
import { createTokenService } from './auth/token.service.ts';
import { registerWebSocketServer } from './ws/websocket.plugin.ts';
import { endRefusedUpgrades, wsRoutes, type WsRoutesOptions } from './ws/ws.routes.ts';
import { sharedChangeFeed } from '@crm/mcp-servers';
import { tenantZoneOf } from './runtime/tenant-zone.ts';
import { createAssistant, inProcessMcpClientFactory, LocalPlannerChatModel, type Assistant } from '@crm/agents';
import { shedWhileClosing } from './http/shed-while-closing.ts';

export interface AppOptions {
  core: CrmCore;
  version: string;
  /** The runtime's health report (every dependency); default: a database round trip only. */
  health?: () => Promise<HealthReport>;
  /** Host/Origin allow-lists, rate limits, body limit (httpSecurityOptions(env)); default: loopback only. */
  http?: HttpSecurityOptions;
  /** Where `POST /api/v1/reports/schedules/:id/run` emails (runtime.reportDelivery); default: the local mailbox. */
  reportDelivery?: () => ReportDelivery;
  /** WORKFLOW_WEBHOOK_SECRET: verifies inbound workflow webhooks (disabled when unset). */
  webhookSecret?: string;
  /** Local JWT issuer and external OIDC provider (authOptions(env)); default: local issuer at http://127.0.0.1:3000. */
  auth?: AuthOptions;
  /** The assistant of /ws and REST chat (the runtime's: configured chat model, durable threads); default: the offline planner, threads in memory. */
  assistant?: Assistant;
  /** /ws limits (wsOptions(env)) and, for tests, the assistant and change feed it uses. */
  ws?: Partial<WsOptions> & Pick<WsRoutesOptions, 'assistant' | 'changeFeed'>;
  /** GRAPHQL_GRAPHIQL: serve the GraphiQL IDE at /graphiql (default off). */
  graphiql?: boolean;
}

/** The gateway as a Fastify plugin; server.ts (or a test) decides where it listens. */
export const app: FastifyPluginAsync<AppOptions> = async (fastify: FastifyInstance, opts) => {
  fastify.setErrorHandler(errorHandler);
  shedWhileClosing(fastify, opts.core.db.timeouts.retryAfterSeconds);
  // an unknown path outside /api/v1 was Fastify's bare {message, error, statusCode}: now the error
  // envelope, saying where things are (QA round 6: GET / and /openapi.json told a new client nothing)
  fastify.setNotFoundHandler((req) => {
    throw new AppError(
      'NOT_FOUND',
      `No route ${req.method} ${req.url.split('?')[0]}; the REST API is under /api/v1 (described at /api/v1/openapi.json), MCP at /mcp/<server>, GraphQL at /graphql, WebSocket at /ws, health at /health`,
    );
  });
  const auth = opts.auth ?? DEFAULT_AUTH;
  const tokens = createTokenService(opts.core, auth);
  const authenticate = createAuthenticator(opts.core, tokens, auth);
  await registerHttpSecurity(fastify, {
    ...(opts.http ?? DEFAULT_HTTP_SECURITY),
    authenticate,
    challenge: (req) => (isMcpRequest(req) ? mcpChallenge(req, { error: 'invalid_token' }) : 'Bearer realm="agentic-crm"'),
    // the consent page posts to itself from the gateway's own origin: the public URL's (behind a TLS proxy) or the one the request used (Host is allow-listed before this)
    selfOrigin: (req, origin) => req.url === '/oauth/authorize' && (origin === new URL(auth.publicUrl).origin || origin === requestBase(req).toLowerCase()),
  });
  // callback-style hooks on every request: an async one costs a promise and a microtask per request
  fastify.addHook('onRequest', (req, _reply, done) => {
    try {
      assertNoQueryCredential(req);
    } catch (err) {
      return done(err as Error);
    }
    done();
  });
  endRefusedUpgrades(fastify);
  await fastify.register(authRoutes, { core: opts.core, tokens });
  await fastify.register(mcpOAuthRoutes, { options: auth });
  // the local issuer is the MCP authorization server only while no external OIDC provider is configured
  if (!auth.oidc) await fastify.register(oauthServerRoutes, { core: opts.core, tokens, options: auth });
  await fastify.register(mcpRoutes, { core: opts.core, limits: (opts.http ?? DEFAULT_HTTP_SECURITY).mcp });
  // one assistant for /ws and REST chat (threads of a user are shared between them), built on first use
  const { core } = opts;
  let assistant: Assistant | undefined = opts.ws?.assistant ?? opts.assistant;
  const assistantFor = () => (assistant ??= createAssistant({ model: new LocalPlannerChatModel(), mcpClientFactory: inProcessMcpClientFactory({ core, logger: core.logger }), timeZoneOf: tenantZoneOf(core), logger: core.logger }));
  // one WebSocket server for /ws and GraphQL subscriptions, fed by one outbox change feed
  const wsServer = await registerWebSocketServer(fastify);
  const wsOptions: WsOptions = { ...DEFAULT_WS, ...opts.ws };
  const feed = opts.ws?.changeFeed ?? sharedChangeFeed(core, core.logger);
  await fastify.register(wsRoutes, { core: opts.core, options: wsOptions, authenticate, assistantFor, changeFeed: feed, server: wsServer });
  await fastify.register(webhookRoutes, { core: opts.core, secret: opts.webhookSecret });
  await fastify.register(restApi, { core: opts.core, version: opts.version, http: opts.http ?? DEFAULT_HTTP_SECURITY, reportDelivery: opts.reportDelivery, assistantFor });
  await fastify.register(graphqlRoutes, { core: opts.core, graphiql: opts.graphiql, subscriptions: { server: wsServer, feed, options: wsOptions, authenticate } });
  fastify.get('/health', async (_req, reply) => {
    if (opts.health) {
      const report = await opts.health();
      return reply.status(report.status === 'down' ? 503 : 200).send({ ...report, version: opts.version });
    }
    const dbLatencyMs = await opts.core.directory.ping();
    return { status: 'ok', version: opts.version, database: opts.core.db.kind, dbLatencyMs };
  });
};
