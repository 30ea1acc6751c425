/**
 * The gateway's own CPU per REST request, without sockets or a database: the real app (protection
 * hooks, rate limits, authentication, zod, serializers, request logger) driven by `app.inject`,
 * with core's contact reads and the API-key lookup answering canned results (taken once from a
 * real PGlite database). On a shared machine this is steadier than bench-rest's socket runs, whose
 * CPU per request also follows how busy the cores are; run it from two checkouts to compare.
 * Usage: npx tsx evals/src/gateway/bench-rest-inject.ts [--requests 4000] [--rounds 5] [--concurrency 50]
 * Prints CPU µs per request (user + system of this process, median and min of the rounds) for
 * GET /api/v1/contacts/:id and GET /api/v1/contacts?search=northbridge. light-my-request's own
 * work is included (the same in both checkouts).
 */
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createCrmCore, createLogger } from '@crm/core';
import { createTenantFixture, openTestDatabase } from '@crm/core/testing';
import { app, DEFAULT_HTTP_SECURITY, httpServerOptions } from '@crm/gateway';
import Fastify, { type FastifyBaseLogger } from 'fastify';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '4000' }, rounds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '50' } } });
const REQUESTS = Number(values.requests);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
for (const [name, n] of [['requests', REQUESTS], ['rounds', ROUNDS], ['concurrency', CONCURRENCY]] as const) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a whole number ≥ 1; got "${values[name]}"`);
}

const t = await openTestDatabase('pglite');
const core = createCrmCore({ db: t.db, logger: createLogger({ level: 'warn' }) });
const fixture = await createTenantFixture(core);
const rep = fixture.manager;
for (let i = 0; i < 40; i++) await core.contacts.create(rep, { firstName: 'Bench', lastName: `Lead ${i}`, email: `lead${i}@bench.test`, company: i % 2 ? 'Acme' : 'Northbridge' });
const page = await core.contacts.list(rep, { search: 'northbridge' });
const one = await core.contacts.get(rep, page.data[0]!.id);
const user = await core.users.authenticate(fixture.apiKeys.manager);
// canned answers: only the gateway's work is left (core's own checks are not what this measures)
Object.assign(core.contacts, { get: async () => one, list: async () => page });
Object.assign(core.users, { authenticate: async () => user });

// what `crm start` has: a pino logger at LOG_LEVEL (warn here), written nowhere
const sink = new Writable({ write: (_c, _e, cb) => cb() });
const options = { ...DEFAULT_HTTP_SECURITY, rateLimit: { perKey: 100_000_000, perTenant: 100_000_000, windowMs: 60_000 } };
const server = Fastify({ ...httpServerOptions(options), loggerInstance: createLogger({ level: 'warn', destination: sink }) as unknown as FastifyBaseLogger });
await server.register(app, { core, version: 'bench', http: options });
await server.ready();

const headers = { authorization: `Bearer ${fixture.apiKeys.manager}`, host: '127.0.0.1:3000' };
async function round(url: string): Promise<number> {
  let sent = 0;
  const before = process.cpuUsage();
  const lane = async () => {
    while (sent < REQUESTS) {
      sent++;
      const res = await server.inject({ method: 'GET', url, headers });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / REQUESTS;
}

const routes = { 'GET /api/v1/contacts/:id': `/api/v1/contacts/${one.id}`, 'GET /api/v1/contacts?search=northbridge': '/api/v1/contacts?search=northbridge' };
for (const url of Object.values(routes)) await round(url); // warm-up (JIT)
const results: Record<string, { medianUs: number; minUs: number; rounds: number[] }> = {};
for (const [name, url] of Object.entries(routes)) {
  const us: number[] = [];
  for (let r = 0; r < ROUNDS; r++) us.push(await round(url));
  const sorted = [...us].sort((a, b) => a - b);
  results[name] = { medianUs: Math.round(sorted[Math.floor(sorted.length / 2)]!), minUs: Math.round(sorted[0]!), rounds: us.map(Math.round) };
}
console.table(results);
console.log(`load average ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (1, 5, 15 min) at the end`);
await server.close();
await core.outbox.stop();
await t.drop();
