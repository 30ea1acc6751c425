import { Writable } from 'node:stream';
import { createLogger } from '@crm/core';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { lazyChildLoggerFactory } from './request-logger.ts';

/** A pino logger at `level` writing its lines into an array, and how many children were made. */
function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger({ level, destination: stream });
  const child = vi.spyOn(logger, 'child');
  return { logger, lines, children: () => child.mock.calls.length };
}

async function serve(logger: FastifyBaseLogger) {
  const app = Fastify({ loggerInstance: logger, childLoggerFactory: lazyChildLoggerFactory, genReqId: () => 'req-42' });
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/loud', async (req) => {
    req.log.warn({ n: 1 }, 'something to say');
    req.log.debug('not at this level');
    return { ok: true };
  });
  app.get('/own-level', { logLevel: 'error' }, async (req) => {
    req.log.warn('below the route level');
    return { ok: true };
  });
  await app.ready();
  return app;
}

describe('lazyChildLoggerFactory', () => {
  it('makes no child logger for a request that logs nothing at an enabled level', async () => {
    const c = capture('warn');
    const app = await serve(c.logger as unknown as FastifyBaseLogger);
    const before = c.children();
    expect((await app.inject('/quiet')).statusCode).toBe(200);
    expect(c.children()).toBe(before);
    expect(c.lines).toEqual([]);
    await app.close();
  });

  it("writes what a request logs with the request's id, as Fastify's own child did", async () => {
    const c = capture('warn');
    const app = await serve(c.logger as unknown as FastifyBaseLogger);
    await app.inject('/loud');
    expect(c.lines).toEqual([expect.objectContaining({ level: 40, reqId: 'req-42', n: 1, msg: 'something to say' })]);
    await app.close();
  });

  it("logs Fastify's request lines at info, and keeps a route's own log level", async () => {
    const c = capture('info');
    const app = await serve(c.logger as unknown as FastifyBaseLogger);
    await app.inject('/quiet');
    expect(c.lines.map((l) => [l.reqId, l.msg])).toEqual([
      ['req-42', 'incoming request'],
      ['req-42', 'request completed'],
    ]);
    c.lines.length = 0;
    await app.inject('/own-level'); // the route logs at error and above only
    expect(c.lines).toEqual([]);
    await app.close();
  });
});
