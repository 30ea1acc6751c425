import type { Assistant } from '@crm/agents';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { AppError, type CrmCore, type ReportDelivery } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { HttpSecurityOptions } from '../http.config.ts';
import { activityRoutes } from './activities.routes.ts';
import { adminRoutes } from './admin.routes.ts';
import { approvalRoutes } from './approvals.routes.ts';
import { chatRoutes } from './chat.routes.ts';
import { contactRoutes } from './contacts.routes.ts';
import { registerIdempotency } from './idempotency.hook.ts';
import { applySecurityHeaders, securityHeaders } from './security-headers.ts';
import { savedReportRoutes } from './saved-reports.routes.ts';
import { importRoutes } from './imports.routes.ts';
import { insightRoutes } from './insights.routes.ts';
import { knowledgeRoutes } from './knowledge.routes.ts';
import { mailboxRoutes } from './mailbox.routes.ts';
import { scoringRoutes } from './scoring.routes.ts';
import { triggerRoutes } from './triggers.routes.ts';
import { completeOpenApi } from './openapi-document.ts';
import { webhookOpenApi } from './webhook.openapi.ts';
import { workflowRoutes } from './workflows.routes.ts';
import { jsonSerializerCompiler, openApiTransform, zodValidatorCompiler } from './zod-route.ts';

export const API_PREFIX = '/api/v1';

/** The methods a 405 or an OPTIONS answer lists in Allow, in that order. */
const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const;

export interface RestApiOptions {
  core: CrmCore;
  version: string;
  http: HttpSecurityOptions;
  reportDelivery?: () => ReportDelivery;
  /** The sales assistant for /chat (the app's shared one); without it there are no chat routes. */
  assistantFor?: () => Assistant;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without a credential (docs, probes). */
    public?: boolean;
    /**
     * Where a service's issue paths came from when the handler renamed the request's fields
     * (`{ 'dateRange.start': 'query.start' }`): a path equal to a key or under it is reported at the
     * request's field instead (see locateIssues in error-envelope.ts).
     */
    issuePaths?: Record<string, string>;
  }
}

/**
 * The REST API of the design document under /api/v1, its OpenAPI 3.1 document
 * (/api/v1/openapi.json), Swagger UI (/docs, assets served locally) and the /healthz and
 * /readyz probes. Authentication, Host/Origin checks and rate limits come from the gateway's
 * protection layer (registerHttpSecurity), which runs first for every request; every route
 * here requires its `req.actor` and leaves each permission to core's RBAC.
 */
export const restApi: FastifyPluginAsync<RestApiOptions> = async (app, { core, version, http, reportDelivery, assistantFor }) => {
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(jsonSerializerCompiler);

  // helmet's headers, computed once (@fastify/helmet built a new middleware per request: ~2.5% of the
  // CPU of a GET by id; running helmet's 13 middlewares per request was another ~2%). Headers go on
  // the raw response, which Fastify merges when it replies.
  const headers = securityHeaders();
  app.addHook('onRequest', (_req, reply, done) => {
    applySecurityHeaders(reply.raw, headers);
    done();
  });
  const corsOrigins = http.corsOrigins ?? [];
  if (corsOrigins === '*' || corsOrigins.length) {
    await app.register(cors, {
      origin: corsOrigins === '*' ? '*' : corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-api-key', 'x-request-id'],
      exposedHeaders: ['location', 'retry-after', 'x-request-id', 'idempotent-replayed'],
      maxAge: 600,
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Agentic CRM API',
        version,
        description:
          'REST API of Agentic CRM. Authenticate with `Authorization: Bearer <API key>`. Errors use one envelope ' +
          '`{ error: { code, message, details, traceId, timestamp, path }, meta?: { retryAfter } }`. POST accepts `Idempotency-Key`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' }, apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    },
    transform: openApiTransform as never,
    // the inbound webhook route is registered outside this plugin (webhooks.routes.ts: raw body for the signature)
    transformObject: ((doc: { openapiObject: Record<string, unknown> }) => completeOpenApi(webhookOpenApi(doc.openapiObject, API_PREFIX), API_PREFIX)) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { url: `${API_PREFIX}/openapi.json` } as never });

  app.get(`${API_PREFIX}/openapi.json`, { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  // where generators and API tools look first (`npx openapi-typescript http://host/openapi.json`): it was a bare 404
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok', version }));
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async () => {
    const latencyMs = await core.directory.ping();
    return { status: 'ready', database: core.db.kind, latencyMs: Math.round(latencyMs * 10) / 10 };
  });

  // every API route needs a credential; OPTIONS preflights are CORS's
  app.addHook('preValidation', (req, reply, done) => {
    if (req.actor || req.method === 'OPTIONS' || req.routeOptions.config.public || !req.url.startsWith(API_PREFIX)) return done();
    void reply.header('www-authenticate', 'Bearer realm="agentic-crm"');
    done(new AppError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>" (or X-API-Key)'));
  });
  registerIdempotency(app, core);

  await app.register(
    async (api) => {
      // the API takes JSON only: Fastify's default text/plain parser handed a JSON body sent as text to
      // the schema as a string ("expected object, received string"); now it is 415 saying what to send
      api.removeContentTypeParser('text/plain');
      // a GET that declares no query parameters refuses them like every other route does with an
      // unknown one (GET /reports/schedules?limit=5 answered every schedule, as if limit were read)
      api.addHook('onRoute', (route) => {
        const methods = [route.method].flat();
        if (methods.includes('GET') && !route.schema?.querystring) route.schema = { ...route.schema, querystring: z.object({}).strict() };
      });
      // "Content-Type: application/json" with no body (what many HTTP clients send on a bodiless POST:
      // curl -H … -X POST, generated SDKs) was 400 "Body cannot be empty…" even where every field is
      // optional; now it is no body, and a route that needs fields names them
      const json = api.getDefaultJsonParser('error', 'error');
      api.removeContentTypeParser('application/json');
      api.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
        if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
        json(req, body as string, done);
      });
      api.setNotFoundHandler((req, reply) => {
        const path = req.url.split('?')[0];
        const allowed = METHODS.filter((method) => app.findRoute({ method, url: path }));
        if (!allowed.length) throw new AppError('NOT_FOUND', `No route ${req.method} ${path}; the API is described at ${API_PREFIX}/openapi.json`);
        void reply.header('allow', allowed.join(', '));
        if (req.method === 'OPTIONS') return reply.status(204).send();
        throw Object.assign(new Error(`${req.method} is not allowed on ${path}; it accepts ${allowed.join(', ')}`), {
          statusCode: 405,
          details: [{ path: 'method', reason: `one of ${allowed.join(', ')}` }],
        });
      });
      await api.register(contactRoutes, { core });
      await api.register(activityRoutes, { core });
      await api.register(importRoutes, { core });
      await api.register(scoringRoutes, { core });
      await api.register(insightRoutes, { core, reportDelivery });
      await api.register(savedReportRoutes, { core });
      await api.register(workflowRoutes, { core });
      await api.register(triggerRoutes, { core });
      await api.register(mailboxRoutes, { core });
      await api.register(knowledgeRoutes, { core });
      await api.register(approvalRoutes, { core });
      await api.register(adminRoutes, { core });
      if (assistantFor) await api.register(chatRoutes, { assistantFor });
    },
    { prefix: API_PREFIX },
  );
};
