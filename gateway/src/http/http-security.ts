import { hash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import { AppError, type Actor } from '@crm/core';
import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import { bearerToken } from './api-key.auth.ts';
import { LOOPBACK_HOSTS, type HttpSecurityOptions } from './http.config.ts';
import { lazyChildLoggerFactory } from './request-logger.ts';
import { memoryRateLimiter, type RateLimitHit, type RateLimiter } from './rate-limiter.ts';

/** The fixed keys `crm seed --demo` prints: anyone can read them in the README. */
export const DEMO_KEY_PREFIX = 'crm_demo_';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request's API key belongs to, once registerHttpSecurity authenticated it. */
    actor?: Actor;
  }
  interface FastifyInstance {
    /**
     * Counts `extra` more requests against the caller's key and tenant limits (a GraphQL batch of
     * N operations costs N); throws RATE_LIMIT_EXCEEDED like the request itself would.
     */
    chargeRateLimit(req: FastifyRequest, extra: number): Promise<void>;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify server options that belong to the same layer: the caller's `X-Request-Id` (when it is
 * a sane token) becomes the request id used in logs, error envelopes and MCP tool errors;
 * anything else gets a fresh UUID. `req.log` becomes a pino child only when something logs
 * through it (request-logger.ts).
 */
export function httpServerOptions(
  options: Pick<HttpSecurityOptions, 'bodyLimit'> & Partial<Pick<HttpSecurityOptions, 'trustProxy'>>,
): Pick<FastifyServerOptions, 'genReqId' | 'requestIdHeader' | 'bodyLimit' | 'trustProxy' | 'rewriteUrl' | 'return503OnClosing' | 'childLoggerFactory'> {
  return {
    // requests arriving while the server stops get the error envelope with Retry-After instead (shed-while-closing.ts)
    return503OnClosing: false,
    childLoggerFactory: lazyChildLoggerFactory,
    rewriteUrl: apiWithoutTrailingSlash,
    requestIdHeader: false,
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustProxy ?? false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  };
}

/**
 * `/api/v1/contacts/` is `/api/v1/contacts`: many HTTP clients add the slash, and the router read it as
 * `/contacts/:id` with an empty id; `/mcp/crm/` is `/mcp/crm` (an MCP client's configured URL). Only
 * the REST API's and MCP's paths (Swagger UI needs its `/docs/`).
 */
function apiWithoutTrailingSlash(req: { url?: string }): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!(path.startsWith('/api/v1/') || path.startsWith('/mcp/')) || !path.endsWith('/')) return url;
  return path.replace(/\/+$/, '') + (q < 0 ? '' : url.slice(q));
}

function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

const isLoopbackName = (hostname: string) => LOOPBACK_HOSTS.includes(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);

function isLoopbackAddress(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(address);
}

function hostAllowed(host: string | undefined, allowed: HttpSecurityOptions['allowedHosts']): boolean {
  if (allowed === '*') return true;
  if (!host) return false;
  const name = hostnameOf(host);
  return !!name && (allowed.includes(name) || allowed.includes(host.toLowerCase()));
}

/**
 * `hostAllowed` remembered per Host value (parsing it as a URL on every request was ~1% of a GET by
 * id's CPU). The header is the client's, so the memory is bounded: full, it starts over.
 */
function hostCheck(allowed: HttpSecurityOptions['allowedHosts'], max = 1000): (host: string | undefined) => boolean {
  const known = new Map<string, boolean>();
  return (host) => {
    if (host === undefined) return hostAllowed(host, allowed);
    let ok = known.get(host);
    if (ok === undefined) {
      ok = hostAllowed(host, allowed);
      if (known.size >= max) known.clear();
      known.set(host, ok);
    }
    return ok;
  };
}

function originAllowed(origin: string, allowed: HttpSecurityOptions['allowedOrigins']): boolean {
  if (allowed === '*') return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque "null" origin of sandboxed frames and file: pages
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (!allowed.length) return isLoopbackName(url.hostname.toLowerCase());
  return allowed.includes(url.origin.toLowerCase());
}

/** Origins configured for CORS (CRM_CORS_ORIGINS) are allowed callers as well. */
function corsAllowed(origin: string, cors: HttpSecurityOptions['corsOrigins']): boolean {
  return cors === '*' || (!!cors && cors.includes(origin.replace(/\/+$/, '').toLowerCase()));
}

/**
 * The gateway's protection layer, for every route registered after it (MCP included), in order:
 * request id echo → Host/Origin allow-lists (DNS rebinding: 403 before anything runs) → demo keys
 * refused off loopback → per-key rate limit → API key authentication (`req.actor`) → per-tenant
 * rate limit → body size limit per route.
 */
export async function registerHttpSecurity(
  fastify: FastifyInstance,
  options: HttpSecurityOptions & {
    /** An API key or a JWT → the actor; the request tells which audience a token must carry. */
    authenticate: (token: string, req: FastifyRequest) => Promise<Actor>;
    /** The WWW-Authenticate value of a 401 (MCP routes name their resource metadata). */
    challenge?: (req: FastifyRequest) => string;
    /** Routes whose own pages post back to them (the OAuth consent form): true when `origin` is this server's own. */
    selfOrigin?: (req: FastifyRequest, origin: string) => boolean;
  },
): Promise<void> {
  const redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false }) : undefined;
  if (redis) {
    redis.on('error', (err) => fastify.log.warn({ err: { message: err.message } }, 'rate-limit redis error'));
    fastify.addHook('onClose', async () => {
      redis.disconnect();
    });
  }
  // global: false — the limiters are applied by our own hooks, after authentication (and the
  // plugin's createRateLimit serves other routes' own limits, OAuth client registration)
  await fastify.register(rateLimit, { global: false, ...(redis ? { redis, nameSpace: 'crm-rate-' } : {}), skipOnError: true });
  const limiter = (max: number): RateLimiter => (redis ? pluginRateLimiter(fastify, max, options.rateLimit.windowMs) : memoryRateLimiter(max, options.rateLimit.windowMs));
  const perKey = limiter(options.rateLimit.perKey);
  const perTenant = limiter(options.rateLimit.perTenant);
  /** The per-key limit's key: a hash of the credential (never the credential itself), or the client address. */
  const keyOf = (token: string | undefined, req: FastifyRequest) => (token ? `key:${hash('sha256', token, 'hex').slice(0, 32)}` : `ip:${req.ip}`);
  const refusal = (limit: RateLimiter, r: RateLimitHit, what: string) =>
    new AppError('RATE_LIMIT_EXCEEDED', `Too many requests ${what}: at most ${limit.max} per ${Math.round(limit.windowMs / 1000)} s; retry in ${r.retryAfter} s`, { retryAfter: r.retryAfter });
  const enforce = async (limit: RateLimiter, key: string, what: string) => {
    const r = await limit.hit(key);
    if (r.exceeded) throw refusal(limit, r, what);
  };

  fastify.decorate('chargeRateLimit', async (req: FastifyRequest, extra: number) => {
    const key = keyOf(bearerToken(req), req);
    for (let i = 0; i < extra; i++) {
      await enforce(perKey, key, 'for this API key');
      if (req.actor) await enforce(perTenant, `tenant:${req.actor.tenantId}`, 'for this tenant');
    }
  });

  const listeningOnLoopback = () => {
    const address = fastify.server.address() as AddressInfo | string | null;
    return !address || typeof address === 'string' || isLoopbackAddress(address.address);
  };

  const allowedHost = hostCheck(options.allowedHosts);
  fastify.decorateRequest('actor', undefined);
  fastify.addHook('onRoute', (route) => {
    route.bodyLimit ??= options.bodyLimit;
  });

  /** Counts `key` against `limit`, then `next()`, or `done(refusal)`; synchronous unless the counts are in Redis. */
  const counted = (limit: RateLimiter, key: string, what: string, next: () => void, done: (err?: Error) => void) => {
    const r = limit.hit(key);
    if (!(r instanceof Promise)) return r.exceeded ? done(refusal(limit, r, what)) : next();
    r.then((hit) => (hit.exceeded ? done(refusal(limit, hit, what)) : next()), done);
  };

  // callback-style (the checks and the in-memory counters are synchronous; only a credential lookup may wait)
  fastify.addHook('onRequest', (req, reply, done) => {
    // raw, so hijacked replies (MCP streams) carry it too; and visible to the MCP transport
    reply.raw.setHeader('x-request-id', req.id);
    req.raw.headers['x-request-id'] = req.id;

    if (!allowedHost(req.headers.host)) {
      return done(new AppError('PERMISSION_DENIED', 'Host not allowed: add it to CRM_ALLOWED_HOSTS if this server should answer to it', { details: [{ path: 'headers.host', reason: 'not in the allow-list' }] }));
    }
    const origin = req.headers.origin;
    const self = origin !== undefined && options.selfOrigin?.(req, origin.toLowerCase()) === true;
    if (origin !== undefined && !self && !originAllowed(origin, options.allowedOrigins) && !corsAllowed(origin, options.corsOrigins)) {
      return done(new AppError('PERMISSION_DENIED', 'Origin not allowed: add it to CRM_ALLOWED_ORIGINS to call this server from that web page', { details: [{ path: 'headers.origin', reason: 'not in the allow-list' }] }));
    }

    const token = bearerToken(req);
    const challenge = () => options.challenge?.(req) ?? 'Bearer realm="agentic-crm"';
    if (token?.startsWith(DEMO_KEY_PREFIX) && !listeningOnLoopback()) {
      void reply.header('www-authenticate', challenge());
      return done(new AppError('UNAUTHENTICATED', 'Demo API keys work only while the server listens on a loopback address; create a real key with "npx crm apikey create"'));
    }
    counted(perKey, keyOf(token, req), 'for this API key', () => {
      if (!token) return done();
      let pending: Promise<Actor>;
      try {
        pending = options.authenticate(token, req);
      } catch (err) {
        void reply.header('www-authenticate', challenge());
        return done(err as Error);
      }
      pending.then(
        (actor) => {
          req.actor = actor;
          counted(perTenant, `tenant:${actor.tenantId}`, 'for this tenant', done, done);
        },
        (err: Error) => {
          void reply.header('www-authenticate', challenge());
          done(err);
        },
      );
    }, done);
  });
}

/** A limiter over @fastify/rate-limit's store (Redis: the counts are shared by every replica; on a Redis error the request passes). */
function pluginRateLimiter(fastify: FastifyInstance, max: number, windowMs: number): RateLimiter {
  const keys = new WeakMap<FastifyRequest, string>();
  const limit = fastify.createRateLimit({ timeWindow: windowMs, max, keyGenerator: (req) => keys.get(req)! });
  return {
    max,
    windowMs,
    async hit(key) {
      // the plugin reads the key from a request: a stand-in carrying only what it looks at
      const req = { routeOptions: { config: {} } } as unknown as FastifyRequest;
      keys.set(req, key);
      const r = await limit(req);
      return { exceeded: !r.isAllowed && r.isExceeded, retryAfter: r.isAllowed ? 0 : Math.max(1, r.ttlInSeconds) };
    },
  };
}
