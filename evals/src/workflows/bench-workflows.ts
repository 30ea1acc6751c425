// Workflow engine benchmark: durable steps per second and event-to-first-step latency.
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx evals/src/workflows/bench-workflows.ts [executions] [events] [concurrency] [--workers N] [--cpu-prof DIR]
// Without DATABASE_URL it measures on embedded PGlite. It creates (and drops) its own database.
// --workers N (server only): the steps are run by N worker processes on the one database
// (bench-workflow-worker.ts, competing with SKIP LOCKED like `crm worker` replicas), each with
// [concurrency] runs at once; without it, by a worker in this process. Either way the bench checks
// that no step ran twice: one attempt per execution and step, one mailbox message per idempotency key.
// --cpu-prof DIR writes a V8 CPU profile of each worker's run (not of startup) into DIR.
import { createCrmCore, createWorkflowTriggers, silentLogger } from '@crm/core';
import { createTenantFixture, openTestDatabase } from '@crm/core/testing';
import { createWorkflowCheckpointer } from '@crm/agents';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startCpuProfile } from './bench-cpu-profile.ts';
import { benchWorker, countPgStatements } from './bench-worker.ts';

const statements = countPgStatements();

const { values: opts, positionals } = parseArgs({ options: { workers: { type: 'string', default: '0' }, 'cpu-prof': { type: 'string' } }, allowPositionals: true });
const EXECUTIONS = Number(positionals[0] ?? 200);
const EVENTS = Number(positionals[1] ?? 50);
const WORKERS = Number(opts.workers);
const PROFILE_DIR = opts['cpu-prof'] ? path.resolve(opts['cpu-prof']) : undefined;
for (const [name, v] of [['executions', EXECUTIONS], ['events', EVENTS], ['--workers', WORKERS]] as const)
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${v}"`);
const STEPS = 5;
const base = process.env.DATABASE_URL;

/** PGlite in memory, or a scratch database on the DATABASE_URL server (dropped at the end). */
const open = () => openTestDatabase(base ? 'postgres' : 'pglite', [], { poolMax: 16, serverUrl: base });

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const { db, drop } = await open();
const logger = silentLogger();
// polls are a minute: the latency below comes from wake-ups (commit signal, LISTEN/NOTIFY), not poll timers
const core = createCrmCore({ db, logger, outbox: { pollMs: 60_000 }, knowledge: { indexInteractions: false } });
const f = await createTenantFixture(core);
const checkpointer = await createWorkflowCheckpointer(db.url, { kind: db.kind, poolMax: 8 });
const worker = (concurrency: number) => benchWorker(core, checkpointer, f.admin, concurrency);

// 1. durable steps per second: EXECUTIONS runs of a 5-step workflow, every step checkpointed
const steps = Array.from({ length: STEPS }, (_, i) => ({
  id: `s${i}`,
  name: `Mail ${i}`,
  type: 'SEND_EMAIL' as const,
  config: { to: 'bench@x.io', subject: `step ${i} of {{input.n}}`, body: 'x' },
  nextSteps: i < STEPS - 1 ? [`s${i + 1}`] : [],
}));
const wf = await core.workflows.create(f.marketing, { name: 'Bench', isActive: true, trigger: { type: 'MANUAL', conditions: [] }, steps });
for (let n = 0; n < EXECUTIONS; n++) await core.workflows.execute(f.marketing, wf.id, { input: { n } });
const concurrency = Number(positionals[2] ?? (db.kind === 'pglite' ? 4 : 16));
if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a whole number ≥ 1, got "${positionals[2]}"`);
if (WORKERS > 0 && db.kind !== 'postgres') throw new Error('--workers needs DATABASE_URL (a PostgreSQL server): PGlite serves one process');

/** CPU seconds (user + system) PostgreSQL's backends serving this database have used so far, by pid; undefined on PGlite or when /proc is not readable (server on another machine). */
async function backendCpu(): Promise<Map<number, number> | undefined> {
  // PGlite runs inside this process: its CPU is already in the worker's
  if (db.kind !== 'postgres') return undefined;
  const pids = await db.asWorker(async (c) => (await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid));
  const cpu = new Map<number, number>();
  try {
    for (const pid of pids) {
      // fields after the ")" of the command name: utime and stime are the 12th and 13th, in clock ticks (100/s)
      const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
      cpu.set(pid, (Number(f[11]) + Number(f[12])) / 100);
    }
  } catch {
    return undefined;
  }
  return cpu;
}
const cpuSince = (before: Map<number, number> | undefined, after: Map<number, number> | undefined) =>
  before && after ? [...after].reduce((sum, [pid, s]) => sum + s - (before.get(pid) ?? 0), 0) : undefined;

let runs = 0;
let seconds = 0;
let workerCpuMs = 0;
let sent = 0;
let pgCpu: number | undefined;
if (WORKERS === 0) {
  const w = await worker(concurrency);
  const pg0 = await backendCpu();
  const profile = PROFILE_DIR ? await startCpuProfile() : undefined;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const statements0 = statements();
  runs = await w.runDue();
  seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  sent = statements() - statements0;
  workerCpuMs = (cpu.user + cpu.system) / 1000;
  await profile?.stop(path.join(PROFILE_DIR!, `bench-workflows-inprocess-${process.pid}.cpuprofile`));
  pgCpu = cpuSince(pg0, await backendCpu());
  await w.stop();
} else {
  // N real worker processes: each connects and compiles nothing before "go"; the clock runs from "go" to the last one's answer
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench-workflow-worker.ts');
  const children = Array.from({ length: WORKERS }, (_, i) => {
    const arg = { url: db.url, actor: f.admin, concurrency, cpuProfile: PROFILE_DIR ? path.join(PROFILE_DIR, `bench-workflows-worker${i + 1}-of-${WORKERS}.cpuprofile`) : undefined };
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(arg)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const queue: string[] = [];
    let waiting: ((line: string) => void) | undefined;
    lines.on('line', (l) => (waiting ? (waiting(l), (waiting = undefined)) : queue.push(l)));
    // a process that exits before answering fails the bench instead of hanging it
    const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`worker process ${i + 1} exited (code ${code}) before answering`))));
    exited.catch(() => {});
    const next = (): Promise<string> => (queue.length ? Promise.resolve(queue.shift()!) : Promise.race([new Promise<string>((r) => (waiting = r)), exited]));
    return { child, next, done: new Promise<void>((r) => child.on('exit', () => r())) };
  });
  for (const c of children) if ((await c.next()) !== 'ready') throw new Error('a worker process did not start');
  const pg0 = await backendCpu();
  const t0 = performance.now();
  for (const c of children) c.child.stdin!.write('go\n');
  const results = await Promise.all(children.map(async (c) => JSON.parse(await c.next()) as { runs: number; cpuMs: number; statements: number }));
  seconds = (performance.now() - t0) / 1000;
  pgCpu = cpuSince(pg0, await backendCpu());
  for (const c of children) c.child.stdin!.write('exit\n');
  await Promise.all(children.map((c) => c.done));
  runs = results.reduce((n, r) => n + r.runs, 0);
  workerCpuMs = results.reduce((n, r) => n + r.cpuMs, 0);
  sent = results.reduce((n, r) => n + r.statements, 0);
  console.log(`  runs per worker process: ${results.map((r) => r.runs).join(', ')}`);
}
const stepsRun = runs * STEPS;
// no step ran twice (and none was lost): every execution completed, one attempt per execution and step, one message per idempotency key
const check = await db.asWorker(async (c) =>
  (
    await c.query<{ completed: string; attempts: string; distinct_attempts: string; mails: string; distinct_mails: string }>(
      `SELECT (SELECT count(*) FROM workflow_executions WHERE workflow_id = $1 AND status = 'completed') AS completed,
         (SELECT count(*) FROM workflow_step_attempts a JOIN workflow_executions e ON e.id = a.execution_id WHERE e.workflow_id = $1) AS attempts,
         (SELECT count(DISTINCT (a.execution_id, a.step_id)) FROM workflow_step_attempts a JOIN workflow_executions e ON e.id = a.execution_id WHERE e.workflow_id = $1) AS distinct_attempts,
         (SELECT count(*) FROM mailbox_messages WHERE workflow_id = $1) AS mails,
         (SELECT count(DISTINCT idempotency_key) FROM mailbox_messages WHERE workflow_id = $1) AS distinct_mails`,
      [wf.id],
    )
  ).rows[0],
);
const expected = EXECUTIONS * STEPS;
const ok = Number(check.completed) === EXECUTIONS && Number(check.attempts) === expected && Number(check.distinct_attempts) === expected && Number(check.mails) === expected && Number(check.distinct_mails) === expected && runs === EXECUTIONS;
const where = WORKERS ? `${WORKERS} worker process${WORKERS > 1 ? 'es' : ''} × concurrency ${concurrency}` : `a worker in this process, concurrency ${concurrency}`;
console.log(`durable steps: ${runs} executions × ${STEPS} steps in ${seconds.toFixed(2)} s = ${(stepsRun / seconds).toFixed(0)} steps/s (${db.kind}, ${where})`);
console.log(
  `  no step run twice: ${ok ? 'yes' : 'NO'} — ${check.completed}/${EXECUTIONS} completed, ${check.attempts} step attempts for ${check.distinct_attempts} (execution, step) pairs, ${check.mails} mailbox messages for ${check.distinct_mails} idempotency keys (expected ${expected} of each)`,
);
// per step, load-independent-ish: statements (round trips; BEGIN/COMMIT count), the worker processes' CPU and PostgreSQL's (its backends for this database, from /proc)
console.log(
  `  per step: ${(sent / stepsRun).toFixed(1)} statements, ${(workerCpuMs / stepsRun).toFixed(2)} ms worker CPU${pgCpu === undefined ? '' : `, ${((pgCpu * 1000) / stepsRun).toFixed(2)} ms PostgreSQL CPU`}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
);
if (!ok) process.exitCode = 1;

// 2. event-to-first-step latency: contact.created → outbox → trigger → worker → first step attempt
const hot = await core.workflows.create(f.marketing, {
  name: 'Latency',
  isActive: true,
  trigger: { type: 'CONTACT_CREATED', conditions: [] },
  steps: [{ id: 'first', name: 'First', type: 'SEND_EMAIL', config: { subject: 'hi', body: 'x' } }],
});
createWorkflowTriggers(db, logger).subscribe(core.outbox);
await core.outbox.start();
const live = await worker(concurrency);
await live.start();
const creates: number[] = [];
for (let i = 0; i < EVENTS; i++) {
  const c0 = performance.now();
  await core.contacts.create(f.manager, { firstName: 'L', lastName: `${i}`, email: `lat${i}@x.io` });
  creates.push(performance.now() - c0);
  await new Promise((r) => setTimeout(r, 30));
}
const deadline = Date.now() + 60_000;
let rows: { ms: number; queued: number; claimed: number }[] = [];
while (Date.now() < deadline) {
  rows = await db.asWorker(async (c) =>
    (
      await c.query<{ ms: number; queued: number; claimed: number }>(
        `SELECT extract(epoch FROM a.started_at - o.created_at) * 1000 AS ms, extract(epoch FROM e.created_at - o.created_at) * 1000 AS queued,
           extract(epoch FROM e.started_at - o.created_at) * 1000 AS claimed FROM workflow_executions e
         JOIN outbox_events o ON o.id = e.trigger_event_id JOIN workflow_step_attempts a ON a.execution_id = e.id AND a.step_id = 'first'
         WHERE e.workflow_id = $1`,
        [hot.id],
      )
    ).rows,
  );
  if (rows.length >= EVENTS) break;
  await new Promise((r) => setTimeout(r, 200));
}
const lat = rows.map((r) => Number(r.ms));
console.log(`event-to-first-step: n=${lat.length} p50 ${pct(lat, 50).toFixed(0)} ms, p95 ${pct(lat, 95).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms`);
// the event's created_at is its transaction's start: the contact write itself is inside the latency
console.log(`  contact create (its transaction, inside the latency): p50 ${pct(creates, 50).toFixed(0)} ms, p95 ${pct(creates, 95).toFixed(0)} ms`);
// where the time goes: event committed → execution queued (outbox dispatch + trigger match) → claimed by the worker → first step
const part = (k: 'queued' | 'claimed') => rows.map((r) => Number(r[k]));
console.log(`  of which: queued p50 ${pct(part('queued'), 50).toFixed(0)} / p95 ${pct(part('queued'), 95).toFixed(0)} ms, claimed p50 ${pct(part('claimed'), 50).toFixed(0)} / p95 ${pct(part('claimed'), 95).toFixed(0)} ms`);
await live.stop();
await core.outbox.stop();
await checkpointer.close();
await drop();
