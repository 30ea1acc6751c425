// WAIT timers through the product's worker: N executions of "WAIT d seconds → SEND_EMAIL", run by
// one worker (the product defaults: concurrency 4, WORKFLOW_POLL_MS 500) with each timer kind in
// turn — pg-boss (the default) and the claim loop — and how late the step after the WAIT started
// (its attempt's start − the WAIT's deadline). Also the database statements per execution.
//   [DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test] npx tsx evals/src/workflows/bench-wait-timers.ts [--executions 300] [--delay 3] [--kinds pg-boss,claim-loop]
// Without DATABASE_URL it runs on embedded PGlite; it creates (and drops) its own database per kind.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createClaimLoopWaitTimers, createCrmCore, createMailboxTransport, createPgBossWaitTimers, silentLogger, type WaitTimerKind } from '@crm/core';
import { createTenantFixture, openTestDatabase } from '@crm/core/testing';
import { createWorkflowCheckpointer, createWorkflowWorker, inProcessMcp } from '@crm/agents';
import { countPgStatements } from './bench-worker.ts';

const statements = countPgStatements();
const { values } = parseArgs({
  options: { executions: { type: 'string', default: '300' }, delay: { type: 'string', default: '3' }, kinds: { type: 'string', default: 'pg-boss,claim-loop' } },
});
const N = Number(values.executions);
const DELAY = Number(values.delay);
const KINDS = values.kinds.split(',') as WaitTimerKind[];
if (!Number.isInteger(N) || N < 1) throw new Error(`--executions must be a whole number ≥ 1, got "${values.executions}"`);
if (!(DELAY > 0)) throw new Error(`--delay must be a number of seconds > 0, got "${values.delay}"`);
for (const k of KINDS) if (k !== 'pg-boss' && k !== 'claim-loop') throw new Error(`--kinds: "${k}" is not pg-boss or claim-loop`);
const base = process.env.DATABASE_URL;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

for (const kind of KINDS) {
  const { db, drop } = await openTestDatabase(base ? 'postgres' : 'pglite', [], { poolMax: 16, serverUrl: base });
  const logger = silentLogger();
  const core = createCrmCore({ db, logger, outbox: { pollMs: 60_000 }, knowledge: { indexInteractions: false } });
  const f = await createTenantFixture(core);
  const checkpointer = await createWorkflowCheckpointer(db.url, { kind: db.kind, poolMax: 8 });
  // pg-boss installs its schema on a database's first start: timed apart, before the run
  const i0 = performance.now();
  const timers = kind === 'pg-boss' ? createPgBossWaitTimers(db, { logger }) : createClaimLoopWaitTimers(db);
  await timers.ready();
  const installMs = Math.round(performance.now() - i0);
  const r0 = performance.now();
  await timers.stop();
  await timers.ready();
  const restartMs = Math.round(performance.now() - r0);
  const worker = createWorkflowWorker({
    db,
    logger,
    checkpointer: checkpointer.saver,
    mail: createMailboxTransport(db),
    mailFrom: 'bench@crm.local',
    mcp: inProcessMcp(core),
    webhook: { allowHosts: [] },
    effectActor: () => f.admin,
    waitTimers: timers,
  });
  try {
    const wf = await core.workflows.create(f.marketing, {
      name: 'Wait bench',
      isActive: true,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [
        { id: 'pause', name: 'Pause', type: 'WAIT', config: { seconds: DELAY }, nextSteps: ['mail'] },
        { id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { to: 'bench@x.io', subject: 'after {{input.n}}', body: 'x' } },
      ],
    });
    const loadBefore = load();
    await worker.start();
    const s0 = statements();
    const t0 = performance.now();
    for (let n = 0; n < N; n++) await core.workflows.execute(f.marketing, wf.id, { input: { n } });
    const deadline = Date.now() + DELAY * 1000 + 300_000;
    for (;;) {
      const [{ n }] = (await db.asWorker((c) => c.query<{ n: number }>(`SELECT count(*)::int AS n FROM workflow_executions WHERE status IN ('completed','failed')`))).rows;
      if (n >= N) break;
      if (Date.now() > deadline) throw new Error(`only ${n} of ${N} executions finished`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const wallS = (performance.now() - t0) / 1000;
    const perExecution = (statements() - s0) / N;
    await worker.stop();
    const rows = (
      await db.asWorker((c) =>
        c.query<{ status: string; lateness_ms: number }>(`
          SELECT e.status, extract(epoch FROM (m.started_at - (w.started_at + make_interval(secs => $1)))) * 1000 AS lateness_ms
          FROM workflow_executions e
          JOIN workflow_step_attempts w ON w.execution_id = e.id AND w.step_id = 'pause'
          JOIN workflow_step_attempts m ON m.execution_id = e.id AND m.step_id = 'mail'`, [DELAY]),
      )
    ).rows;
    const late = rows.map((r) => Number(r.lateness_ms));
    const early = late.filter((l) => l < -50).length;
    console.log(
      JSON.stringify({
        bench: 'WAIT timers',
        timers: kind,
        db: db.kind,
        executions: N,
        delaySeconds: DELAY,
        ...(kind === 'pg-boss' ? { pgBossFirstStartMs: installMs, pgBossStartMs: restartMs } : {}),
        completed: rows.filter((r) => r.status === 'completed').length,
        latenessMs: { p50: Math.round(pct(late, 50)), p95: Math.round(pct(late, 95)), max: Math.round(Math.max(...late)) },
        resumedEarly: early,
        statementsPerExecution: Math.round(perExecution * 10) / 10,
        wallSeconds: Math.round(wallS * 10) / 10,
        load: `${loadBefore} → ${load()}`,
      }),
    );
  } finally {
    await worker.stop();
    await timers.stop();
    await core.outbox.stop();
    await checkpointer.close();
    await drop();
  }
}
