/**
 * MCP benchmark: get_contact and search_contacts latency (p50/p99) over the in-memory, stdio and
 * Streamable HTTP transports; 50 concurrent HTTP sessions; memory after 100k calls compared with
 * after 1k (in-memory, HTTP session churn, and the stdio server process).
 *
 *   npx tsx evals/src/mcp/bench-mcp.ts [--contacts 2000] [--calls 2000] [--long 100000] [--http-long 20000]
 *        [--stdio-long 100000] [--sessions 50] [--server postgresql://postgres@127.0.0.1:5432/test]
 *
 * Without --server the database is embedded PGlite in a temporary folder (the default install);
 * with it, a fresh database on that PostgreSQL server. Prints one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCrmCore, openDatabase, seedDemoTenant, silentLogger, type Database } from '@crm/core';
import { openTestDatabase } from '@crm/core/testing';
import { httpClient, httpServer, inMemoryClient, stdioClient, type Call } from './bench-clients.ts';
import { growthPercent, memory, timeCalls } from './bench-stats.ts';

// The SDK's HTTP *client* hands one session-long AbortSignal to every fetch; undici frees those
// listeners only at GC, so a fast client trips the max-listeners warning. It is not the server.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'MaxListenersExceededWarning') process.stderr.write(`${w.stack ?? w.message}\n`);
});
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '2000' },
    calls: { type: 'string', default: '2000' },
    long: { type: 'string', default: '100000' },
    'http-long': { type: 'string', default: '20000' },
    'stdio-long': { type: 'string', default: '100000' },
    sessions: { type: 'string', default: '50' },
    server: { type: 'string' },
  },
});
const N = Number(values.calls);
const LONG = Number(values.long);
const HTTP_LONG = Number(values['http-long']);
const STDIO_LONG = Number(values['stdio-long']);
const SESSIONS = Number(values.sessions);
const STDIO_HEAP_MB = 192;
const API_KEY = 'crm_demo_sales_manager';
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const log = (msg: string) => process.stderr.write(`[bench-mcp] ${msg}\n`);

/** Latency of both tools over one transport, after a warm-up. */
async function latency(call: Call, ids: string[], terms: string[]) {
  const get = (i: number) => call('get_contact', { id: ids[i % ids.length] });
  const search = (i: number) => call('search_contacts', { search: terms[i % terms.length], limit: 20 });
  await timeCalls(200, get);
  await timeCalls(50, search);
  return { get_contact: (await timeCalls(N, get)).stats, search_contacts: (await timeCalls(Math.max(100, N / 4), search)).stats };
}

/**
 * Run `total` calls in chunks and take memory (after a full GC) at 1k and at five points after it,
 * so a plateau can be told from a leak.
 */
async function memoryTrend(total: number, run: (n: number, from: number) => Promise<unknown>) {
  await run(1000, 0);
  const samples: Record<string, ReturnType<typeof memory>> = { '1000': memory() };
  const started = performance.now();
  const step = Math.max(1000, Math.ceil((total - 1000) / 5));
  for (let done = 1000; done < total; done += step) {
    const n = Math.min(step, total - done);
    await run(n, done);
    samples[String(done + n)] = memory();
  }
  const first = samples['1000'];
  const last = Object.values(samples).at(-1)!;
  return {
    calls: total,
    samples,
    rssGrowthPercent: growthPercent(first.rssMb, last.rssMb),
    heapGrowthPercent: growthPercent(first.heapUsedMb, last.heapUsedMb),
    meanCallMs: Math.round(((performance.now() - started) / Math.max(1, total - 1000)) * 1000) / 1000,
  };
}

function procRssMb(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round((Number(line?.split(/\s+/)[1] ?? 0) / 1024) * 10) / 10;
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-mcp-'));
  let db: Database;
  let drop: () => Promise<void>;
  if (values.server) {
    process.env.TEST_DATABASE_URL = values.server;
    const t = await openTestDatabase('postgres');
    db = t.db;
    drop = t.drop;
  } else {
    db = await openDatabase({ config: { dataDir, pglitePort: 0, poolMax: 10 }, logger: silentLogger() });
    drop = () => db.close();
  }
  const core = createCrmCore({ db, logger: silentLogger() });
  log(`seeding ${values.contacts} demo contacts on ${db.kind}…`);
  await seedDemoTenant(core, { contacts: Number(values.contacts) });
  const actor = await core.users.authenticate(API_KEY);
  const page = await core.contacts.list(actor, { limit: 100, sort: 'lastName' });
  const ids = page.data.map((c) => c.id);
  const terms = [...new Set(page.data.map((c) => c.lastName.toLowerCase()))].slice(0, 40);
  const result: Record<string, unknown> = { database: db.kind, contacts: Number(values.contacts), node: process.version, cpus: os.cpus().length, loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 10) / 10) };

  // the floor every transport sits on: the service call itself (one tenant-scoped transaction)
  await timeCalls(200, (i) => core.contacts.get(actor, ids[i % ids.length]));
  result.coreBaseline = {
    'contacts.get': (await timeCalls(N, (i) => core.contacts.get(actor, ids[i % ids.length]))).stats,
    'contacts.list': (await timeCalls(Math.max(100, N / 4), (i) => core.contacts.list(actor, { search: terms[i % terms.length], limit: 20 }))).stats,
  };

  log('in-memory transport…');
  const mem = await inMemoryClient(core, actor);
  result.inMemory = await latency(mem.call, ids, terms);
  const get = (i: number) => mem.call('get_contact', { id: ids[i % ids.length] });
  log(`in-memory: ${LONG} calls for the memory check…`);
  result.inMemoryMemory = await memoryTrend(LONG, (n, from) => timeCalls(n, (i) => get(from + i), 4));
  await mem.close();

  log('Streamable HTTP…');
  const srv = await httpServer(core);
  const one = await httpClient(srv.url, API_KEY);
  result.http = await latency(one.call, ids, terms);
  await one.close();

  log(`${SESSIONS} concurrent HTTP sessions…`);
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => httpClient(srv.url, API_KEY)));
  const peak = srv.handler.stats().sessions;
  const perSession = 40;
  const concurrent = await timeCalls(SESSIONS * perSession, (i) => clients[i % SESSIONS].call('get_contact', { id: ids[i % ids.length] }), SESSIONS);
  await Promise.all(clients.map((c) => c.close()));
  result.httpConcurrentSessions = {
    sessions: SESSIONS,
    openSessionsAtPeak: peak,
    openSessionsAfterClose: srv.handler.stats().sessions,
    get_contact: concurrent.stats,
    throughputCallsPerSec: Math.round((SESSIONS * perSession) / (concurrent.wallMs / 1000)),
  };

  log(`HTTP session churn: ${HTTP_LONG} calls in sessions of 100…`);
  const churn = async (calls: number, from: number) => {
    for (let done = 0; done < calls; done += 100) {
      const c = await httpClient(srv.url, API_KEY);
      for (let i = 0; i < 100; i++) await c.call('get_contact', { id: ids[(from + done + i) % ids.length] });
      await c.close();
    }
  };
  result.httpMemory = {
    sessionsOpened: HTTP_LONG / 100,
    ...(await memoryTrend(HTTP_LONG, churn)),
    openSessionsAfter: srv.handler.stats().sessions,
    storedEventsAfter: srv.handler.stats().storedEvents,
  };
  await srv.close();
  await core.outbox.stop();
  const dbUrl = db.kind === 'postgres' ? db.url : undefined;
  if (!dbUrl) await db.close();

  log('stdio (the real `crm mcp crm-data` process)…');
  // a capped V8 heap turns any leak in the server process into a crash within the long run
  const env = {
    ...(process.env as Record<string, string>),
    CRM_API_KEY: API_KEY,
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: `--max-old-space-size=${STDIO_HEAP_MB}`,
    ...(dbUrl ? { DATABASE_URL: dbUrl } : { CRM_DATA_DIR: dataDir }),
  };
  const stdio = await stdioClient(path.join(REPO, 'gateway/bin/crm.js'), REPO, env);
  result.stdio = { processStartMs: stdio.startMs, ...(await latency(stdio.call, ids, terms)) };
  const stdioGet = (i: number) => stdio.call('get_contact', { id: ids[i % ids.length] });
  await timeCalls(1000, stdioGet);
  const rssSamples: Record<string, number> = { '1000': procRssMb(stdio.pid!) };
  const step = Math.max(1000, Math.floor((STDIO_LONG - 1000) / 4));
  for (let done = 1000; done < STDIO_LONG; done += step) {
    await timeCalls(Math.min(step, STDIO_LONG - done), stdioGet, 4);
    rssSamples[String(Math.min(done + step, STDIO_LONG))] = procRssMb(stdio.pid!);
  }
  const rssValues = Object.values(rssSamples);
  result.stdioServerMemory = {
    calls: STDIO_LONG,
    v8HeapCapMb: STDIO_HEAP_MB,
    rssMbByCalls: rssSamples,
    rssGrowthPercent: growthPercent(rssValues[0], rssValues.at(-1)!),
    note: 'server process RSS (no forced GC in the child); with embedded PGlite it includes the database engine',
  };
  await stdio.close();

  if (dbUrl) await drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  result.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 10) / 10);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
