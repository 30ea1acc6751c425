/**
 * REST gateway throughput on PostgreSQL: autocannon against the real `crm start` (API key auth,
 * rate limits raised, RLS) and, in the same run, a bare Fastify route doing the same SQL with `pg`
 * (one round trip: set the tenant, read, commit), to report the gateway's overhead as a ratio.
 *   GET /api/v1/contacts/:id · GET /api/v1/contacts?search=… · POST /api/v1/contacts
 * Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench npx tsx evals/src/gateway/bench-rest.ts [--seconds 10] [--connections 100]
 * Targets (issue 12): gateway ≥ 0.7 × the bare route's req/s; p99 ≤ 20 ms for GET by id at 100 connections.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '100' } } });
const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) throw new Error('Set DATABASE_URL to a PostgreSQL database (it gets a "bench" tenant)');
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../gateway/bin/crm.js');
const PORT = 3917;
const BARE_PORT = 3918;
const env = { ...process.env, LOG_LEVEL: 'warn', RATE_LIMIT_PER_KEY: '100000000', RATE_LIMIT_PER_TENANT: '100000000' };

function crm(args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`crm ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

/** CPU time (user + system, ms) a process has used so far: Linux /proc; null elsewhere. */
function cpuMs(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
  } catch {
    return null;
  }
}

/**
 * req/s and p99 depend on how much of the shared CPU the run gets; the gateway process's CPU time
 * per request (`cpuMsPerReq`, gateway rows only: the bare route shares this process with
 * autocannon) is steadier under other load.
 */
async function run(title: string, opts: autocannon.Options, pid?: number): Promise<{ title: string; rps: number; p99: number; errors: number; cpuMsPerReq: number | null }> {
  const before = pid ? cpuMs(pid) : null;
  const r = await autocannon({ connections: Number(values.connections), duration: Number(values.seconds), ...opts });
  const after = pid ? cpuMs(pid) : null;
  const cpuMsPerReq = before !== null && after !== null && r.requests.total ? Number(((after - before) / r.requests.total).toFixed(2)) : null;
  return { title, rps: Math.round(r.requests.average), p99: r.latency.p99, errors: r.errors + r.non2xx, cpuMsPerReq };
}

crm(['migrate']);
const slug = `bench${Date.now().toString(36)}`;
const key = /API key:\s+(\S+)/.exec(crm(['tenant', 'create', '--name', 'Bench', '--slug', slug, '--admin-email', `admin@${slug}.test`]))![1]!;
const server: ChildProcess = spawn(process.execPath, [BIN, 'start', '--no-seed', '--port', String(PORT)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
const base = `http://127.0.0.1:${PORT}`;
const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
try {
  await waitFor(`${base}/healthz`);
  let id = '';
  for (let i = 0; i < 1000; i++) {
    const res = await fetch(`${base}/api/v1/contacts`, { method: 'POST', headers: auth, body: JSON.stringify({ firstName: 'Bench', lastName: `Lead ${i}`, email: `lead${i}@${slug}.test`, company: i % 7 ? 'Acme' : 'Northbridge' }) });
    id = ((await res.json()) as { id: string }).id;
  }
  const tenantId = ((await (await fetch(`${base}/api/v1/contacts/${id}`, { headers: auth })).json()) as { tenantId: string }).tenantId;

  // the bare route: the same statements the contact service sends, in one round trip
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
  const bare = Fastify();
  const tx = (sql: string) => `BEGIN; SELECT set_config('role', 'crm_app', true), set_config('app.tenant_id', '${tenantId}', true); ${sql}; COMMIT;`;
  bare.get<{ Params: { id: string } }>('/contacts/:id', async (req) => {
    if (!/^[0-9a-f-]{36}$/.test(req.params.id)) throw new Error('bad id');
    const res = (await pool.query(tx(`SELECT * FROM contacts WHERE id = '${req.params.id}'`))) as unknown as pg.QueryResult[];
    return res[2]!.rows[0];
  });
  bare.get('/contacts', async () => {
    const res = (await pool.query(tx(`SELECT * FROM contacts WHERE search_text LIKE '%northbridge%' ORDER BY created_at DESC, id DESC LIMIT 20`))) as unknown as pg.QueryResult[];
    return { data: res[2]!.rows };
  });
  await bare.listen({ port: BARE_PORT, host: '127.0.0.1' });
  const bareBase = `http://127.0.0.1:${BARE_PORT}`;

  let posted = 0;
  const results = [
    await run('gateway GET /api/v1/contacts/:id', { url: `${base}/api/v1/contacts/${id}`, headers: auth }, server.pid),
    await run('bare    GET /contacts/:id', { url: `${bareBase}/contacts/${id}` }),
    await run('gateway GET /api/v1/contacts?search=northbridge', { url: `${base}/api/v1/contacts?search=northbridge`, headers: auth }, server.pid),
    await run('bare    GET /contacts (same search)', { url: `${bareBase}/contacts` }),
    await run('gateway POST /api/v1/contacts', {
      url: `${base}/api/v1/contacts`,
      method: 'POST',
      headers: auth,
      // a unique e-mail per request (autocannon's idReplacement sizes Content-Length for 27-character
      // ids, which the installed hyperid does not produce: the server then waits for the missing bytes)
      requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ firstName: 'Load', lastName: 'Test', email: `load${++posted}@${slug}.test` }) }) }],
    }, server.pid),
  ];
  console.table(results);
  console.log(`load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (1, 5, 15 min) at the end`);
  console.log(`GET by id: gateway/bare = ${(results[0]!.rps / results[1]!.rps).toFixed(2)} (target ≥ 0.7), p99 ${results[0]!.p99} ms (target ≤ 20)`);
  console.log(`search:    gateway/bare = ${(results[2]!.rps / results[3]!.rps).toFixed(2)}`);
  await bare.close();
  await pool.end();
} finally {
  server.kill('SIGTERM');
}
