import { AppError } from '@crm/core';
import type { FastifyInstance } from 'fastify';

/**
 * While the server stops (Ctrl+C, SIGTERM, a rolling update), a request that still arrives on an
 * open keep-alive connection is answered at once with the error envelope, `Retry-After` and
 * `Connection: close`; requests already running finish. Fastify's own answer (`return503OnClosing`,
 * which `httpServerOptions` turns off) was a bare `{"error":"Service Unavailable"}` with no
 * Retry-After, the only 503 a client could not handle as documented (found by QA round 7: a load
 * generator during Ctrl+C got 100-odd of them).
 */
export function shedWhileClosing(app: FastifyInstance, retryAfterSeconds: number): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // callback style: an async hook costs a promise and a microtask on every request
  app.addHook('onRequest', (_req, reply, done) => {
    if (!closing) return done();
    void reply.header('connection', 'close');
    done(new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down; retry shortly', { retryAfter: retryAfterSeconds }));
  });
}
