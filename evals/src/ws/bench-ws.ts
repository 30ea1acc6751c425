// WebSocket fan-out benchmark: N authenticated /ws connections subscribed to contact events; one
// contact write fans out to all of them through the outbox tail. Reports p50/p99/max delivery
// latency (commit of the write → message parsed by the client), server memory per connection and
// the server's CPU per event fanned out.
//   node --expose-gc --import tsx evals/src/ws/bench-ws.ts [connections] [events]
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test … (default: embedded PGlite)
// The clients run in a child process so the server's memory is measured alone.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCrmCore, openDatabase, silentLogger } from '@crm/core';
import { createTenantFixture } from '@crm/core/testing';
import { app, createTokenService, DEFAULT_AUTH, WS_PROTOCOL } from '@crm/gateway';
import Fastify from 'fastify';
import WebSocket from 'ws';

const N = Number(process.argv[2] ?? 2000);
const EVENTS = Number(process.argv[3] ?? 5);
const now = () => performance.timeOrigin + performance.now();

async function clients(url: string, token: string, n: number): Promise<void> {
  const sockets: WebSocket[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < n; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, n - i) }, () =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(url, [WS_PROTOCOL], { headers: { authorization: `Bearer ${token}` } });
          ws.on('message', (d) => {
            const m = JSON.parse(String(d)) as { type: string; event?: { payload: { contact?: { customFields?: { sentAt?: number } } } } };
            if (m.type === 'ready') ws.send(JSON.stringify({ type: 'subscribe', topic: 'contacts' }));
            else if (m.type === 'subscribed') resolve();
            else if (m.type === 'event') {
              const sentAt = m.event?.payload.contact?.customFields?.sentAt;
              if (sentAt) latencies.push(now() - sentAt);
              if (latencies.length % n === 0) process.send!({ type: 'round', latencies: latencies.splice(0) });
            }
          });
          ws.on('error', reject);
          sockets.push(ws);
        }),
      ),
    );
  }
  process.send!({ type: 'connected' });
}

if (process.argv[2] === '--clients') {
  await clients(process.argv[3], process.argv[4], Number(process.argv[5]));
} else {
  const gc = (globalThis as { gc?: () => void }).gc;
  const db = await openDatabase({ config: process.env.DATABASE_URL ? { url: process.env.DATABASE_URL, dataDir: 'unused', pglitePort: 0, poolMax: 10 } : { dataDir: 'memory://', pglitePort: 0, poolMax: 10 }, logger: silentLogger() });
  const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
  const f = await createTenantFixture(core);
  const server = Fastify();
  await server.register(app, { core, version: 'bench', ws: { maxConnectionsPerUser: N, maxBufferedBytes: 1024 * 1024 }, http: { allowedHosts: '*', allowedOrigins: '*', rateLimit: { perKey: 1e9, perTenant: 1e9, windowMs: 60_000 }, bodyLimit: 1 << 20 } });
  const url = `${(await server.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')}/ws`;
  const token = (await createTokenService(core, DEFAULT_AUTH).issue(f.manager)).accessToken;
  gc?.();
  const before = process.memoryUsage();
  const child = fork(fileURLToPath(import.meta.url), ['--clients', url, token, String(N)], { execArgv: ['--import', 'tsx'] });
  const rounds: number[][] = [];
  let onRound: (() => void) | undefined;
  const connected = new Promise<void>((resolve) =>
    child.on('message', (m: { type: string; latencies?: number[] }) => {
      if (m.type === 'connected') resolve();
      if (m.type === 'round') {
        rounds.push(m.latencies!);
        onRound?.();
      }
    }),
  );
  const t0 = now();
  await connected;
  const connectSeconds = (now() - t0) / 1000;
  gc?.();
  const after = process.memoryUsage();
  // the server process's CPU while the events fan out (the write, the outbox tail, N sends each):
  // steadier than latency on a shared machine, where the client process competes for the cores
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < EVENTS; i++) {
    const done = new Promise<void>((r) => (onRound = r));
    await core.contacts.create(f.manager, { firstName: 'Fan', lastName: `Out${i}`, email: `fan${i}-${Date.now()}@bench.test`, customFields: { sentAt: now() } });
    await done;
  }
  const cpu = process.cpuUsage(cpu0);
  const all = rounds.flat().sort((a, b) => a - b);
  const q = (p: number) => all[Math.min(all.length - 1, Math.floor(p * all.length))].toFixed(1);
  const perConn = (k: 'rss' | 'heapUsed') => ((after[k] - before[k]) / N / 1024).toFixed(1);
  console.log(
    JSON.stringify(
      {
        database: db.kind,
        connections: N,
        events: EVENTS,
        deliveries: all.length,
        connectSeconds: Number(connectSeconds.toFixed(1)),
        latencyMs: { p50: Number(q(0.5)), p99: Number(q(0.99)), max: Number(all[all.length - 1].toFixed(1)) },
        serverKbPerConnection: { rss: Number(perConn('rss')), heapUsed: Number(perConn('heapUsed')) },
        serverCpuMsPerEvent: Number(((cpu.user + cpu.system) / 1000 / EVENTS).toFixed(1)),
        gcExposed: !!gc,
      },
      null,
      2,
    ),
  );
  child.kill();
  await server.close();
  await core.outbox.stop();
  await db.close();
  process.exit(0);
}
