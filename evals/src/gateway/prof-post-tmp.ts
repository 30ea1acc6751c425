import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
const DATABASE_URL = process.env.DATABASE_URL!;
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../gateway/bin/crm.js');
const env = { ...process.env, LOG_LEVEL: 'warn', RATE_LIMIT_PER_KEY: '100000000', RATE_LIMIT_PER_TENANT: '100000000' };
const crm = (args: string[]) => { const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' }); if (r.status) throw new Error(r.stderr); return r.stdout; };
crm(['migrate']);
const slug = `prof${Date.now().toString(36)}`;
const key = /API key:\s+(\S+)/.exec(crm(['tenant', 'create', '--name', 'Bench', '--slug', slug, '--admin-email', `admin@${slug}.test`]))![1]!;
const nodeArgs = process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/ob/prof'] : [];
const server = spawn(process.execPath, [...nodeArgs, BIN, 'start', '--no-seed', '--port', '3927'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
const base = 'http://127.0.0.1:3927';
for (let i = 0; i < 300; i++) { if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break; await new Promise((r) => setTimeout(r, 200)); }
const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
let posted = 0;
for (let i = 0; i < 200; i++) await fetch(`${base}/api/v1/contacts`, { method: 'POST', headers: auth, body: JSON.stringify({ firstName: 'W', lastName: 'U', email: `warm${i}@${slug}.test` }) });
const r = await autocannon({ url: `${base}/api/v1/contacts`, method: 'POST', headers: auth, connections: Number(process.env.CONN ?? 100), duration: Number(process.env.SECS ?? 10),
  requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ firstName: 'Load', lastName: 'Test', email: `load${++posted}@${slug}.test` }) }) }] });
console.log(JSON.stringify({ rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx }));
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
