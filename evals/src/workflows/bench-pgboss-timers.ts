/**
 * Issue 11 asks WAIT to run on a maintained Postgres job queue (pg-boss 10 or graphile-worker) if it
 * runs on both PGlite and the server, else on the runtime's lease loop. This measures whether pg-boss
 * 10 runs on both — PGlite through the embedded database's private socket, as `crm` serves it, and the
 * PostgreSQL server — and how its delayed jobs (a WAIT is one: `startAfter`) fire: N jobs due
 * `--delay` seconds after sending, worked in batches by one `work()` loop polling every 0.5 s
 * (pg-boss's minimum); reports start-up, send time and each job's lateness (worked − due).
 *
 *   npx tsx evals/src/workflows/bench-pgboss-timers.ts [--jobs 500] [--delay 2] [--server postgresql://postgres@127.0.0.1:5432/test]
 */
import { parseArgs } from 'node:util';
import { openTestDatabase } from '@crm/core/testing';
import PgBoss from 'pg-boss';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '500' }, delay: { type: 'string', default: '2' }, server: { type: 'string' } } });
const JOBS = Number(values.jobs);
const DELAY = Number(values.delay);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

for (const kind of values.server ? (['pglite', 'postgres'] as const) : (['pglite'] as const)) {
  const t = await openTestDatabase(kind, [], kind === 'postgres' ? { serverUrl: values.server } : {});
  const boss = new PgBoss({ connectionString: t.db.url, max: 4 });
  boss.on('error', (e: Error) => process.stderr.write(`pg-boss error: ${e.message}\n`));
  try {
    const t0 = performance.now();
    await boss.start();
    const startMs = performance.now() - t0;
    await boss.createQueue('workflow-wait');
    const s0 = performance.now();
    const due = new Map<string, number>();
    for (let i = 0; i < JOBS; i++) {
      const id = await boss.send('workflow-wait', { i }, { startAfter: DELAY });
      due.set(id!, Date.now() + DELAY * 1000);
    }
    const sendMs = performance.now() - s0;
    const lateness: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`only ${lateness.length} of ${JOBS} jobs worked in 120 s`)), 120_000);
      void boss.work('workflow-wait', { batchSize: 50, pollingIntervalSeconds: 0.5 }, async (jobs: { id: string }[]) => {
        for (const j of jobs) lateness.push(Math.max(0, Date.now() - due.get(j.id)!));
        if (lateness.length >= JOBS) {
          clearTimeout(timeout);
          resolve();
        }
      });
    });
    process.stdout.write(
      `${JSON.stringify({ bench: 'pg-boss timers', version: '10.4.2', db: kind, jobs: JOBS, delaySeconds: DELAY, startMs: Math.round(startMs), sendMs: Math.round(sendMs), latenessMs: { p50: pct(lateness, 50), p95: pct(lateness, 95), max: Math.max(...lateness) } })}\n`,
    );
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    await t.drop();
  }
}
