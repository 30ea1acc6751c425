// Workflow engine benchmark: durable steps per second and event-to-first-step latency.
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx evals/src/workflows/bench-workflows.ts [executions] [events] [concurrency]
// Without DATABASE_URL it measures on embedded PGlite. It creates (and drops) its own database.
import { createCrmCore, createMailboxTransport, createWorkflowTriggers, silentLogger } from '@crm/core';
import { createTenantFixture, openTestDatabase } from '@crm/core/testing';
import { createWorkflowCheckpointer, createWorkflowWorker, inProcessMcp } from '@crm/agents';
import { loadavg } from 'node:os';
import pg from 'pg';

// statements sent to the database (every pool — the ORM's, the tenant batches', the checkpointer's —
// goes through pg's Client.query), so the cost per step can be counted, not only timed
let statements = 0;
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof clientQuery;

const EXECUTIONS = Number(process.argv[2] ?? 200);
const EVENTS = Number(process.argv[3] ?? 50);
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
const worker = (concurrency: number) =>
  createWorkflowWorker({
    db,
    logger,
    checkpointer: checkpointer.saver,
    mail: createMailboxTransport(db),
    mailFrom: 'bench@crm.local',
    mcp: inProcessMcp(core),
    webhook: { allowHosts: [] },
    effectActor: () => f.admin,
    concurrency,
    pollMs: 60_000,
  });

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
const concurrency = Number(process.argv[4] ?? (db.kind === 'pglite' ? 4 : 16));
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const statements0 = statements;
const runs = await worker(concurrency).runDue();
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const sent = statements - statements0;
const done = (await core.workflows.listExecutions(f.marketing, { workflowId: wf.id, status: 'completed', limit: 200 })).length;
console.log(`durable steps: ${runs} executions × ${STEPS} steps in ${seconds.toFixed(2)} s = ${((runs * STEPS) / seconds).toFixed(0)} steps/s (${db.kind}, concurrency ${concurrency}; ${done}+ completed)`);
// per step, load-independent-ish: statements (round trips; BEGIN/COMMIT count) and this process's CPU (worker + client side; not Postgres's)
console.log(
  `  per step: ${(sent / (runs * STEPS)).toFixed(1)} statements, ${((cpu.user + cpu.system) / 1000 / (runs * STEPS)).toFixed(2)} ms CPU of this process; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
);

// 2. event-to-first-step latency: contact.created → outbox → trigger → worker → first step attempt
const hot = await core.workflows.create(f.marketing, {
  name: 'Latency',
  isActive: true,
  trigger: { type: 'CONTACT_CREATED', conditions: [] },
  steps: [{ id: 'first', name: 'First', type: 'SEND_EMAIL', config: { subject: 'hi', body: 'x' } }],
});
createWorkflowTriggers(db, logger).subscribe(core.outbox);
await core.outbox.start();
const live = worker(concurrency);
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
