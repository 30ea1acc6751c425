import { requestFingerprint, type CrmCore } from '@crm/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler, preHandlerHookHandler } from 'fastify';

const HEADER = 'idempotency-key';
/** Response headers worth replaying (where the created thing is, and how to page). */
const KEPT_HEADERS = ['location', 'content-type', 'cache-control'];

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request claimed, to store its response under. */
    idempotencyKey?: string;
  }
}

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its response (status, body,
 * Location) is stored for 24 h; the same key with the same request replays it (header
 * `Idempotent-Replayed: true`); with a different request → 422; while the first is still
 * running → 409. A 5xx response releases the key so the client's retry runs again.
 * The hooks go on POST routes only (added as each route is declared, ahead of any hook of the route
 * itself): the other routes do not pay two async hooks per request.
 */
export function registerIdempotency(app: FastifyInstance, core: CrmCore): void {
  app.decorateRequest('idempotencyKey', undefined);

  const preHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    const key = req.headers[HEADER];
    if (req.method !== 'POST' || key === undefined || !req.actor) return;
    // a streamed body (a CSV import, as text/csv or a multipart form whose parts are read by the
    // handler) cannot be fingerprinted before it is read; re-importing is idempotent anyway. A form's
    // body is undefined here: fingerprinting it would replay one file's report for another file
    if (typeof (req.body as { pipe?: unknown } | undefined)?.pipe === 'function' || req.isMultipart?.()) return;
    const value = Array.isArray(key) ? key.join(',') : key;
    const fingerprint = requestFingerprint({ method: req.method, path: req.url, userId: req.actor.userId ?? null, body: req.body });
    const start = await core.idempotency.begin(req.actor, value, fingerprint);
    if (start.state === 'started') {
      req.idempotencyKey = value;
      return;
    }
    void reply.headers(start.headers).header('idempotent-replayed', 'true').status(start.status);
    return reply.send(start.body === '' ? undefined : start.body);
  };

  const onSend = async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const key = req.idempotencyKey;
    if (!key || !req.actor) return payload;
    req.idempotencyKey = undefined;
    try {
      if (reply.statusCode >= 500 || (payload !== undefined && payload !== null && typeof payload !== 'string')) {
        await core.idempotency.release(req.actor, key);
      } else {
        const headers: Record<string, string> = {};
        for (const h of KEPT_HEADERS) {
          const v = reply.getHeader(h);
          if (v !== undefined) headers[h] = String(v);
        }
        await core.idempotency.complete(req.actor, key, { status: reply.statusCode, headers, body: (payload as string | null) ?? '' });
      }
    } catch (err) {
      // the response itself is fine; a key left "in progress" frees itself after a short while
      req.log.warn({ err }, 'could not record the idempotent response');
    }
    return payload;
  };

  app.addHook('onRoute', (route) => {
    if (![route.method].flat().includes('POST')) return;
    route.preHandler = [preHandler as preHandlerHookHandler, ...[route.preHandler ?? []].flat()];
    route.onSend = [onSend as onSendHookHandler, ...[route.onSend ?? []].flat()];
  });
}
