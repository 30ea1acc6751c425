/**
 * QA round 7: a load generator running while `crm start` stopped (SIGTERM) got Fastify's bare
 * `{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}` — no error
 * envelope and no Retry-After — for the requests that still arrived on its busy keep-alive
 * connections. They now get the envelope (SERVICE_UNAVAILABLE), Retry-After and Connection: close,
 * while the request already running finishes normally.
 */
import net from 'node:net';
import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { DEFAULT_HTTP_SECURITY } from './http.config.ts';
import { httpServerOptions } from './http-security.ts';

/** The raw responses on one connection, split at each status line (both bodies have Content-Length). */
function responses(raw: string): { status: number; headers: Record<string, string>; body: string }[] {
  return raw
    .split(/(?=HTTP\/1\.1 \d{3} )/)
    .filter(Boolean)
    .map((part) => {
      const [head, ...rest] = part.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
    });
}

describe.each(testDbKinds())('gateway: requests that arrive while the server stops on %s', { timeout: 300_000 }, (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let server: FastifyInstance;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
  }, 120_000);
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('get the error envelope with Retry-After and Connection: close; the running request finishes', async () => {
    server = Fastify(httpServerOptions(DEFAULT_HTTP_SECURITY)); // as `crm start` builds it
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    // a request still running when the stop begins (outside the app: no credential needed)
    server.get('/held', async () => {
      started();
      await gate;
      return { done: true };
    });
    await server.register(app, { core, version: 'test', http: DEFAULT_HTTP_SECURITY });
    // registered after the app, so its preClose runs after the app's: the stop is under way then
    let stopping!: () => void;
    const stopBegan = new Promise<void>((resolve) => (stopping = resolve));
    await server.register(async (child) => {
      child.addHook('preClose', (done) => {
        stopping();
        done();
      });
    });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const port = (server.server.address() as net.AddressInfo).port;

    // one keep-alive connection: a request held while the stop begins, then the client's next
    // request on the same connection (Node keeps a busy connection open through the stop)
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    let onData = () => {};
    socket.setEncoding('utf8').on('data', (d: string) => {
      raw += d;
      onData();
    });
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    await running;
    const closed = server.close();
    await stopBegan;
    const answered = new Promise<void>((resolve) => (onData = () => raw.includes('{"done":true}') && resolve()));
    release();
    await answered;
    socket.write(`GET /api/v1/contacts?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${f.apiKeys.admin}\r\nConnection: keep-alive\r\n\r\n`);
    await ended;
    await closed;

    const [first, second] = responses(raw);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ done: true });
    expect(second, raw).toBeDefined();
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe(String(core.db.timeouts.retryAfterSeconds));
    expect(second.headers.connection).toBe('close');
    const body = JSON.parse(second.body) as { error: { code: string; message: string; traceId: string; path: string }; meta?: { retryAfter?: number } };
    expect(body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(body.error.message).toBe('The server is shutting down. Please retry shortly.');
    expect(body.error.path).toBe('/api/v1/contacts?limit=1');
    expect(body.error.traceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.meta?.retryAfter).toBe(core.db.timeouts.retryAfterSeconds);
  });

  it('a server that is not stopping answers normally (the hook sheds nothing)', async () => {
    const live = Fastify(httpServerOptions(DEFAULT_HTTP_SECURITY));
    await live.register(app, { core, version: 'test', http: DEFAULT_HTTP_SECURITY });
    const res = await live.inject({ method: 'GET', url: '/api/v1/contacts?limit=1', headers: { authorization: `Bearer ${f.apiKeys.admin}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).not.toBe('close');
    await live.close();
  });
});
