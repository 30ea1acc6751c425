// Kill-and-restart trials: a real worker process is SIGKILLed at a random point of a batch of
// executions, a fresh process takes over, and every effect is counted at its receiver.
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx evals/src/workflows/bench-crash-trials.ts --trials 100 [--executions 6] [--concurrency 4] [--seed 1]
// It creates the database `bench_wf_trials` on that server (dropped at the end).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createCrmCore, openDatabase, silentLogger } from '@crm/core';
import { createTenantFixture, startSmtpSink } from '@crm/core/testing';

const { values: opts } = parseArgs({
  options: {
    trials: { type: 'string', default: '100' },
    executions: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '4' },
    'lease-ms': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
  },
});
const TRIALS = Number(opts.trials);
const N = Number(opts.executions);
const CONCURRENCY = Number(opts.concurrency);
const LEASE_MS = Number(opts['lease-ms']);
const DB_NAME = 'bench_wf_trials';
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-trial-worker.ts');

const base = process.env.DATABASE_URL;
if (!base?.startsWith('postgres')) throw new Error('set DATABASE_URL to a PostgreSQL server (the trials need real worker processes on one server)');

// a seeded generator, so a failing trial's kill point can be replayed
let seed = Number(opts.seed) >>> 0 || 1;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const randInt = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
await admin(`CREATE DATABASE ${DB_NAME}`);
const url = new URL(base);
url.pathname = `/${DB_NAME}`;
const logger = silentLogger();
const db = await openDatabase({ config: { url: url.toString(), dataDir: 'unused', pglitePort: 0, poolMax: 4 }, logger });
const core = createCrmCore({ db, logger, outbox: { pollMs: 60_000 }, knowledge: { indexInteractions: false }, workflowWebhookAllowHosts: ['127.0.0.1'] });
const f = await createTenantFixture(core);

// the receivers: a real SMTP server and a webhook endpoint that answers after a random delay, so
// kills land before, inside and after calls
const smtp = await startSmtpSink();
const hits: string[] = [];
const hook = http.createServer((req, res) => {
  hits.push(req.headers['idempotency-key'] as string);
  req.resume();
  setTimeout(() => res.end('{}'), randInt(0, 40));
});
await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
const mailKeys = () => smtp.received.map((raw) => /^X-Idempotency-Key:\s*(\S+)/im.exec(raw)?.[1] ?? '?');

const wf = await core.workflows.create(f.marketing, {
  name: 'Crash trials',
  isActive: true,
  trigger: { type: 'MANUAL', conditions: [] },
  steps: [
    { id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { subject: 'first {{contact.lastName}}', body: 'x' }, nextSteps: ['hook'] },
    { id: 'hook', name: 'Hook', type: 'WEBHOOK_CALL', config: { url: hookUrl }, nextSteps: ['task'] },
    { id: 'task', name: 'Task', type: 'CREATE_TASK', config: { title: 'Call {{contact.lastName}}' }, nextSteps: ['pause'] },
    { id: 'pause', name: 'Pause', type: 'WAIT', config: { seconds: 1 }, nextSteps: ['mail2'] },
    { id: 'mail2', name: 'Mail 2', type: 'SEND_EMAIL', config: { subject: 'second {{contact.lastName}}', body: 'x' } },
  ],
});
const EFFECT_STEPS = ['mail', 'hook', 'task', 'mail2'];
/** Effects seen by the receivers (mail + webhook), what the kill point counts. */
const OBSERVABLE = 3;

const children = new Set<ChildProcess>();
/** A fresh worker process, connected and idle until `go`. */
function standby(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify({ url: url.toString(), smtpUrl: smtp.url, actor: f.admin, leaseMs: LEASE_MS, concurrency: CONCURRENCY })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.add(child);
  child.stdin!.on('error', () => {}); // EPIPE when it is killed
  child.on('exit', () => children.delete(child));
  const ready = new Promise<ChildProcess>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('standby') && resolve(child));
    child.on('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal})`)));
  });
  ready.catch(() => {}); // a standby still warming when the run ends is killed: not an error
  return ready;
}
const go = (child: ChildProcess) => child.stdin!.write('go\n');
const exited = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r())));

async function waitFor(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await sleep(50);
  }
  return true;
}

interface TrialResult {
  trial: number;
  killAt: number;
  killedAfter: number;
  seconds: number;
  lost: string[];
  duplicated: string[];
  resends: number;
  unfinished: number;
}

// the checks read across tables as the database owner (the app roles see only their own slice)
const owner = new pg.Pool({ connectionString: url.toString(), max: 2 });
const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[]) => (await owner.query<T>(sql, params)).rows;

async function check(trial: number, execs: { id: string; contactId: string }[], hitsFrom: number, mailFrom: number): Promise<Omit<TrialResult, 'trial' | 'killAt' | 'killedAfter' | 'seconds'>> {
  const ids = execs.map((e) => e.id);
  const statuses = await query<{ id: string; status: string }>(`SELECT id, status FROM workflow_executions WHERE id = ANY($1::uuid[])`, [ids]);
  const unfinished = statuses.filter((s) => s.status !== 'completed').length;
  const tasks = await query<{ contact_id: string; n: number }>(`SELECT contact_id, count(*)::int AS n FROM follow_ups WHERE contact_id = ANY($1::uuid[]) GROUP BY contact_id`, [
    execs.map((e) => e.contactId),
  ]);
  const ledger = await query<{ execution_id: string; step_id: string; status: string }>(`SELECT execution_id, step_id, status FROM workflow_effects WHERE execution_id = ANY($1::uuid[])`, [ids]);
  const delivered = [...mailKeys().slice(mailFrom), ...hits.slice(hitsFrom)];
  const byKey = new Map<string, number>();
  for (const k of delivered) byKey.set(k, (byKey.get(k) ?? 0) + 1);
  const lost: string[] = [];
  const duplicated: string[] = [];
  let resends = 0;
  for (const e of execs) {
    // mail and webhooks by idempotency key (= Message-ID / Idempotency-Key header): exactly the
    // expected keys; a key of another visit (`mail#2`) would be a second email to the contact
    const keys = [...byKey.keys()].filter((k) => k.startsWith(`${e.id}:`));
    for (const step of ['mail', 'hook', 'mail2']) if (!byKey.has(`${e.id}:${step}`)) lost.push(`${e.id}:${step}`);
    for (const k of keys) {
      if (!['mail', 'hook', 'mail2'].includes(k.slice(e.id.length + 1))) duplicated.push(k);
      resends += byKey.get(k)! - 1;
    }
    // tasks in the CRM: one per contact
    const n = tasks.find((t) => t.contact_id === e.contactId)?.n ?? 0;
    if (n === 0) lost.push(`${e.id}:task`);
    if (n > 1) duplicated.push(`${e.id}:task×${n}`);
    const done = ledger.filter((l) => l.execution_id === e.id && l.status === 'done').map((l) => l.step_id);
    for (const s of EFFECT_STEPS) if (!done.includes(s)) lost.push(`${e.id}:${s} (ledger)`);
  }
  void trial;
  return { lost, duplicated, resends, unfinished };
}

console.log(`kill-and-restart trials: ${TRIALS} × ${N} executions (mail → webhook → task → WAIT 1 s → mail), worker concurrency ${CONCURRENCY}, lease ${LEASE_MS} ms, seed ${opts.seed}`);
console.log(`load average at start: ${load()}`);
const started = performance.now();
const results: TrialResult[] = [];
let current = await standby();
go(current);
let nextReady = standby();
try {
  for (let trial = 1; trial <= TRIALS; trial++) {
    const t0 = performance.now();
    const hitsFrom = hits.length;
    const mailFrom = smtp.received.length;
    const observed = () => hits.length - hitsFrom + smtp.received.length - mailFrom;
    const killAt = randInt(0, OBSERVABLE * N - 1);
    const execs: { id: string; contactId: string }[] = [];
    for (let i = 0; i < N; i++) {
      const c = await core.contacts.create(f.manager, { firstName: `C${i}`, lastName: `T${trial}-${i}`, email: `c${i}.t${trial}@crash.test` });
      const e = await core.workflows.execute(f.marketing, wf.id, { contactId: c.id });
      execs.push({ id: e.id, contactId: c.id });
    }
    await waitFor(() => observed() >= killAt, 60_000);
    await sleep(randInt(0, 30));
    current.kill('SIGKILL');
    const killedAfter = observed();
    await exited(current);
    current = await nextReady;
    go(current);
    nextReady = standby();
    const ids = execs.map((e) => e.id);
    await waitFor(
      async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM workflow_executions WHERE id = ANY($1::uuid[]) AND status IN ('completed','failed')`, [ids]))[0].n === N,
      180_000,
    );
    // late resends of a call cut off by the kill arrive before completion; give stragglers a moment
    await sleep(100);
    const r = { trial, killAt, killedAfter, seconds: (performance.now() - t0) / 1000, ...(await check(trial, execs, hitsFrom, mailFrom)) };
    results.push(r);
    const bad = r.lost.length || r.duplicated.length || r.unfinished;
    console.log(
      `trial ${String(trial).padStart(3)}: killed after ${String(killedAfter).padStart(2)}/${OBSERVABLE * N} observed effects, ${r.seconds.toFixed(1)} s, ` +
        `lost ${r.lost.length}, duplicated ${r.duplicated.length}, resends ${r.resends}${r.unfinished ? `, UNFINISHED ${r.unfinished}` : ''}${bad ? ` ${JSON.stringify({ lost: r.lost, duplicated: r.duplicated })}` : ''}`,
    );
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all([...children].map(exited));
  await nextReady.catch(() => undefined);
}
const minutes = (performance.now() - started) / 60_000;
const sum = (k: 'resends' | 'unfinished') => results.reduce((s, r) => s + r[k], 0);
const lost = results.reduce((s, r) => s + r.lost.length, 0);
const dup = results.reduce((s, r) => s + r.duplicated.length, 0);
const failedTrials = results.filter((r) => r.lost.length || r.duplicated.length || r.unfinished).length;
const midStep = results.filter((r) => r.killedAfter > 0 && r.killedAfter < OBSERVABLE * N).length;
console.log(
  `\n${results.length} trials in ${minutes.toFixed(1)} min: ${results.length * N} executions, ${results.length * N * EFFECT_STEPS.length} effects expected; ` +
    `lost ${lost}, duplicated ${dup}, unfinished executions ${sum('unfinished')}, trials with a problem ${failedTrials}; ` +
    `same-key resends (a call cut off by the kill, deduplicated by the receiver) ${sum('resends')}; kills with effects both before and after: ${midStep}`,
);
console.log(`load average at end: ${load()}`);
await core.outbox.stop();
await new Promise<void>((r) => hook.close(() => r()));
await smtp.close();
await db.close();
await owner.end();
await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
if (failedTrials) process.exitCode = 1;
