/**
 * REST gateway throughput on PostgreSQL: autocannon against the real `crm start` (API key auth,
 * rate limits raised, RLS) and, in the same run, a bare Fastify route doing the same SQL with `pg`
 * (one round trip: set the tenant, read, commit), to report the gateway's overhead as a ratio.
 *   GET /api/v1/contacts/:id · GET /api/v1/contacts?search=… · POST /api/v1/contacts
 * Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench npx tsx evals/src/gateway/bench-rest.ts [--seconds 10] [--connections 100]
 *          [--only get,search,post] [--cpu-prof DIR] [--bin path/to/gateway/bin/crm.js] [--rate N]
 *          [--gateway-node-args "--max-semi-space-size=64"]
 * --gateway-node-args: node flags for the gateway process only (V8 heap settings, say);
 * --rate N sends N requests/s in all (autocannon's overallRate) instead of as many as the servers
 * answer: CPU per request at a fixed load below saturation depends less on how the 2 cores are shared
 * (a saturated server batches more work per wake-up), so it compares two versions more steadily;
 * --bin runs another checkout's gateway (e.g. the code before a change, for interleaved runs);
 * --only runs those routes (gateway and bare); --cpu-prof DIR starts the gateway with `node --cpu-prof`
 * (written to DIR when it exits) and prints each run's window on the monotonic clock the profile's
 * timestamps use (µs), so a profile can be cut to one run.
 * Targets (issue 12): gateway ≥ 0.7 × the bare route's req/s; p99 ≤ 20 ms for GET by id at 100 connections.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '100' }, only: { type: 'string', default: 'get,search,post' }, 'cpu-prof': { type: 'string' }, bin: { type: 'string' }, rate: { type: 'string' }, 'gateway-node-args': { type: 'string' } },
});
const ROUTES = ['get', 'search', 'post'] as const;
const only = new Set(values.only.split(',').map((s) => s.trim()));
for (const r of only) if (!(ROUTES as readonly string[]).includes(r)) throw new Error(`--only takes ${ROUTES.join(', ')}; got "${r}"`);
const PROFILE_DIR = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) throw new Error('Set DATABASE_URL to a PostgreSQL database (it gets a "bench" tenant)');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = values.bin ? path.resolve(values.bin) : path.resolve(HERE, '../../../gateway/bin/crm.js');
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

/** CPU time (ms) so far of each `postgres` process (the server's backends: other clients of the server count too). */
function postgresCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.split(') ')[1]!.split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) * (1000 / 100));
    } catch {
      // the process ended between the listing and the read
    }
  }
  return out;
}

/** PostgreSQL CPU between two readings: a backend that exited in between is left out, one that started counts from 0. */
function postgresCpuDelta(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/**
 * req/s and p99 depend on how much of the shared CPU the run gets; the server process's CPU time
 * per request (`cpuMsPerReq`, the gateway's or the bare route's) and PostgreSQL's
 * (`pgCpuMsPerReq`) are steadier under other load.
 */
async function run(title: string, opts: autocannon.Options, pid?: number) {
  const before = pid ? cpuMs(pid) : null;
  const pgBefore = postgresCpuMs();
  const from = process.hrtime.bigint() / 1000n;
  const r = await autocannon({ connections: Number(values.connections), duration: Number(values.seconds), ...(values.rate ? { overallRate: Number(values.rate) } : {}), ...opts });
  const to = process.hrtime.bigint() / 1000n;
  const pgAfter = postgresCpuMs();
  const after = pid ? cpuMs(pid) : null;
  const perReq = (ms: number) => (r.requests.total ? Number((ms / r.requests.total).toFixed(3)) : null);
  const cpuMsPerReq = before !== null && after !== null ? perReq(after - before) : null;
  if (PROFILE_DIR) console.log(`${title}: profile window ${from}–${to} µs`);
  return { title, rps: Math.round(r.requests.average), p99: r.latency.p99, errors: r.errors + r.non2xx, cpuMsPerReq, pgCpuMsPerReq: perReq(postgresCpuDelta(pgBefore, pgAfter)) };
}

crm(['migrate']);
const slug = `bench${Date.now().toString(36)}`;
const key = /API key:\s+(\S+)/.exec(crm(['tenant', 'create', '--name', 'Bench', '--slug', slug, '--admin-email', `admin@${slug}.test`]))![1]!;
const nodeArgs = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-interval', '200'] : [];
const gatewayArgs = values['gateway-node-args']?.split(/\s+/).filter(Boolean) ?? [];
const server: ChildProcess = spawn(process.execPath, [...nodeArgs, ...gatewayArgs, BIN, 'start', '--no-seed', '--port', String(PORT)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
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

  // the bare route (bench-rest-bare.ts): the same statements the contact service sends, in one
  // round trip, in a process of its own so that its CPU per request is measured like the gateway's
  const bare = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(HERE, 'bench-rest-bare.ts'), DATABASE_URL, tenantId, String(BARE_PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    bare.once('exit', (code) => reject(new Error(`bench-rest-bare exited with ${code}`)));
    bare.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  const bareBase = `http://127.0.0.1:${BARE_PORT}`;

  let posted = 0;
  const results: Awaited<ReturnType<typeof run>>[] = [];
  const pair = async (name: string, gateway: autocannon.Options, bareTitle: string, bareOpts: autocannon.Options) => {
    const g = await run(`gateway ${name}`, gateway, server.pid);
    const b = await run(`bare    ${bareTitle}`, bareOpts, bare.pid);
    results.push(g, b);
    return { g, b, ratio: (g.rps / b.rps).toFixed(2), cpuRatio: g.cpuMsPerReq && b.cpuMsPerReq ? (g.cpuMsPerReq / b.cpuMsPerReq).toFixed(2) : '?' };
  };
  const byId = only.has('get')
    ? await pair('GET /api/v1/contacts/:id', { url: `${base}/api/v1/contacts/${id}`, headers: auth }, 'GET /contacts/:id', { url: `${bareBase}/contacts/${id}` })
    : undefined;
  const search = only.has('search')
    ? await pair('GET /api/v1/contacts?search=northbridge', { url: `${base}/api/v1/contacts?search=northbridge`, headers: auth }, 'GET /contacts (same search)', { url: `${bareBase}/contacts` })
    : undefined;
  if (only.has('post')) {
    results.push(
      await run('gateway POST /api/v1/contacts', {
        url: `${base}/api/v1/contacts`,
        method: 'POST',
        headers: auth,
        // a unique e-mail per request (autocannon's idReplacement sizes Content-Length for 27-character
        // ids, which the installed hyperid does not produce: the server then waits for the missing bytes)
        requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ firstName: 'Load', lastName: 'Test', email: `load${++posted}@${slug}.test` }) }) }],
      }, server.pid),
    );
  }
  console.table(results);
  console.log(`load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (1, 5, 15 min) at the end`);
  if (byId) console.log(`GET by id: gateway/bare = ${byId.ratio} (target ≥ 0.7), p99 ${byId.g.p99} ms (target ≤ 20); CPU per request gateway/bare = ${byId.cpuRatio}`);
  if (search) console.log(`search:    gateway/bare = ${search.ratio}; CPU per request gateway/bare = ${search.cpuRatio}`);
  bare.removeAllListeners('exit');
  const bareExited = new Promise((resolve) => bare.once('exit', resolve));
  bare.kill('SIGTERM');
  if (PROFILE_DIR) {
    await bareExited;
    console.log(`profiles in ${PROFILE_DIR}: gateway pid ${server.pid}, bare route pid ${bare.pid}`);
  }
} finally {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  // the profile is written when the process exits
  if (PROFILE_DIR) await exited;
}
