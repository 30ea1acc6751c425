import { AppError, ERROR_CODES, isAppError, toDatabaseUnavailable, type CrmCore, type ErrorCode } from '@crm/core';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { createRequire } from 'node:module';
import mercurius from 'mercurius';
import type { WebSocketServer } from '../ws/websocket.plugin.ts';
import { createContactLoaders } from './graphql.loaders.ts';
import { createGraphqlSubscriptions, type GraphqlSubscriptionDeps } from './graphql.subscriptions.ts';
import { publicMessage, STATUS_BY_CODE } from '../http/error-envelope.ts';
import { assertQueryCost, assertQueryDepth } from './graphql.limits.ts';
import { createResolvers, type GraphqlContext } from './graphql.resolvers.ts';
import { GRAPHQL_SDL } from './graphql.schema.ts';

export const GRAPHQL_PATH = '/graphql';

const KNOWN_CODES = new Set<string>(ERROR_CODES);

interface PublicError {
  message: string;
  locations?: readonly { line: number; column: number }[];
  path?: readonly (string | number)[];
  extensions: { code: ErrorCode; details?: unknown; retryAfter?: number };
}

/** By name: graphql ships CJS and ESM builds, and mercurius (CJS) and we (ESM) may hold different classes. */
const isGraphqlError = (e: unknown): e is GraphQLError => e instanceof Error && e.name === 'GraphQLError';

/**
 * One GraphQL error → the REST codes in `extensions` (code, details). GraphQL's own parse and
 * validation errors are VALIDATION_FAILED; anything unexpected is INTERNAL with no internals.
 */
function toPublic(error: GraphQLError, log: FastifyReply['log']): PublicError {
  const where = { ...(error.locations ? { locations: error.locations } : {}), ...(error.path ? { path: error.path } : {}) };
  const original = error.originalError;
  const err = original ? (toDatabaseUnavailable(original) ?? original) : undefined;
  if (isAppError(err)) {
    const internal = STATUS_BY_CODE[err.code] >= 500;
    if (internal && err.code === 'INTERNAL') log.error({ err }, 'graphql resolver failed');
    return {
      message: internal ? publicMessage(err.code, err.details) : err.message,
      ...where,
      extensions: { code: err.code, ...(err.details !== undefined ? { details: err.details } : {}), ...(err.retryAfter ? { retryAfter: err.retryAfter } : {}) },
    };
  }
  if (!err || isGraphqlError(err)) {
    const code = typeof error.extensions?.code === 'string' && KNOWN_CODES.has(error.extensions.code) ? (error.extensions.code as ErrorCode) : 'VALIDATION_FAILED';
    return { message: error.message, ...where, extensions: { code } };
  }
  const fastifyCode = (err as { code?: string }).code;
  const status = (err as { statusCode?: number }).statusCode;
  if (fastifyCode?.startsWith('MER_ERR_') || fastifyCode?.startsWith('FST_ERR_') || (status && status < 500)) {
    // mercurius's request errors (bad body, GET mutation, missing query): the client's fault
    return { message: err.message, ...where, extensions: { code: 'VALIDATION_FAILED' } };
  }
  log.error({ err }, 'graphql resolver failed');
  return { message: publicMessage('INTERNAL'), ...where, extensions: { code: 'INTERNAL' } };
}

/**
 * Execution errors answer 200 with `data` (GraphQL over HTTP); a request that never executed
 * (no credential, rate limit, a query that does not parse or validate) answers the REST status
 * of its code: 400, 401, 429, 503.
 */
function formatErrors(execution: ExecutionResult & { errors: readonly GraphQLError[] }, ctx: { reply?: FastifyReply; app?: { log: FastifyReply['log'] } }) {
  // a subscription's event has no reply: its errors go out in the `next` message, with no status
  if (!ctx.reply) return { statusCode: 200, response: { data: execution.data ?? null, errors: execution.errors.map((e) => toPublic(e, ctx.app!.log)) as unknown as GraphQLError[] } };
  const log = ctx.reply.log;
  const flat = execution.errors.flatMap((e) => {
    const inner = (e.originalError as { errors?: unknown[] } | undefined)?.errors;
    // mercurius's request errors wrap a list; a plain Error in it takes the wrapper's MER_ERR_ code
    return Array.isArray(inner) ? inner.map((x) => (isGraphqlError(x) ? x : new GraphQLError((x as Error).message, { originalError: e.originalError }))) : [e];
  });
  // the status mercurius gives a request it refused (400 invalid, 405 mutation over GET)
  const refusedWith = execution.errors.map((e) => (e.originalError as { statusCode?: unknown } | undefined)?.statusCode).find((n): n is number => typeof n === 'number' && n < 500);
  const errors = flat.map((e) => toPublic(e, log));
  let statusCode = 200;
  if (!('data' in execution) || execution.data === undefined) {
    statusCode = refusedWith ?? Math.max(...errors.map((e) => STATUS_BY_CODE[e.extensions.code]));
    if (errors[0]?.extensions.code === 'UNAUTHENTICATED') void ctx.reply.header('www-authenticate', 'Bearer realm="agentic-crm"');
  }
  const retryAfter = errors.find((e) => e.extensions.retryAfter)?.extensions.retryAfter;
  if (retryAfter) void ctx.reply.header('retry-after', String(retryAfter));
  return { statusCode, response: { data: execution.data ?? null, errors: errors as unknown as GraphQLError[] } };
}

export interface GraphqlOptions {
  core: CrmCore;
  /** Serve the GraphiQL IDE at /graphiql (off by default; the CDN-hosted page is for development). */
  graphiql?: boolean;
  /** Subscriptions over WebSocket: the app's one WebSocket server, the /ws change feed, limits and authentication. */
  subscriptions?: Omit<GraphqlSubscriptionDeps, 'core'> & { server: WebSocketServer };
}

// mercurius (CommonJS) built the schema with its own copy of graphql: validate with that copy
const mercuriusGraphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** A limit or validation failure of a subscription start, sent with REST's code in `extensions`. */
function refusedSubscription(err: unknown): Error {
  if (isAppError(err)) return Object.assign(new Error(err.message), { extensions: { code: err.code, ...(err.details !== undefined ? { details: err.details } : {}) } });
  return err as Error;
}

/**
 * GraphQL at /graphql (POST, and GET for queries) over the same core services as REST: every
 * resolver passes the request's Actor and core decides permissions. The gateway's protection
 * layer (Host/Origin checks, authentication, rate limits) runs first; depth and cost limits run
 * before any resolver. Introspection is allowed for authenticated callers. With `subscriptions`,
 * the same path upgrades to WebSocket for the design document's subscriptions (authenticated at
 * connection_init: graphql.subscriptions.ts).
 */
/** Operations one batched POST may carry (Apollo's BatchHttpLink sends at most 10 by default). */
export const MAX_BATCH = 10;

export const graphqlRoutes: FastifyPluginAsync<GraphqlOptions> = async (app, { core, graphiql = false, subscriptions }) => {
  app.addHook('preHandler', async (req) => {
    // a WebSocket upgrade may authenticate later, in its connection_init message
    if (!req.actor && req.url.startsWith(GRAPHQL_PATH) && !(subscriptions && req.headers.upgrade?.toLowerCase() === 'websocket')) {
      throw new AppError('UNAUTHENTICATED', 'Send an API key or token as "Authorization: Bearer <credential>"');
    }
    // a batch (Apollo's BatchHttpLink): bounded, and every operation counts against the rate limits
    if (req.method === 'POST' && Array.isArray(req.body) && req.url.startsWith(GRAPHQL_PATH)) {
      const n = req.body.length;
      if (n === 0 || n > MAX_BATCH) {
        throw AppError.validation([{ path: 'body', reason: `a batch (a JSON array) holds 1 to ${MAX_BATCH} operations; this one has ${n}` }]);
      }
      const bad = req.body.findIndex((op) => typeof op !== 'object' || op === null || Array.isArray(op));
      if (bad >= 0) throw AppError.validation([{ path: `body.${bad}`, reason: 'each operation of a batch is an object {"query": …, "variables": …}' }]);
      await app.chargeRateLimit(req, n - 1);
    }
  });
  const live = subscriptions ? createGraphqlSubscriptions({ core, ...subscriptions }) : undefined;
  const resolvers = createResolvers(core);
  await app.register(mercurius, {
    schema: GRAPHQL_SDL,
    resolvers: (live ? { ...resolvers, ...live.resolvers } : resolvers) as never,
    loaders: createContactLoaders(core) as never,
    path: GRAPHQL_PATH,
    graphiql,
    allowBatchedQueries: true,
    jit: 0,
    context: (req): GraphqlContext => ({ actor: req.actor! }),
    errorFormatter: formatErrors as never,
    ...(live ? { subscription: { ...live.mercurius, fullWsTransport: false } as never } : {}),
  });
  app.graphql.addHook('preExecution', async (_schema, document, _context, variables) => {
    assertQueryDepth(document);
    assertQueryCost(document, variables as Record<string, unknown> | undefined);
  });
  if (live && subscriptions) {
    live.attach(app.websocketServer, GRAPHQL_PATH);
    subscriptions.server.onShutdown(() => live.shutdown());
    // mercurius does not validate a subscription document itself; do it (and the limits) before it runs
    app.graphql.addHook('preSubscriptionExecution', async (schema, document) => {
      const errors = mercuriusGraphql.validate(schema as never, document as never);
      if (errors.length) throw refusedSubscription(AppError.validation(errors.map((e) => ({ path: 'query', reason: e.message }))));
      try {
        assertQueryDepth(document);
        // mercurius hands this hook no variables: a page size from a variable counts at its default
        assertQueryCost(document, undefined);
      } catch (err) {
        throw refusedSubscription(err);
      }
    });
  }
};
