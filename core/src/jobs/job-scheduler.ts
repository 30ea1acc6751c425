import { hostname } from 'node:os';
import type { Logger } from '../logger.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

export interface ScheduledJob {
  /** Unique, stable name, e.g. `follow-ups.due-scan`. */
  name: string;
  /** Slot length; slots are aligned to the Unix epoch (24 h = midnight UTC), not to process start. */
  everySeconds: number;
  /** Run the current slot at start when no replica has run it yet (a fresh install gets its first run at once). */
  runMissedAtStart?: boolean;
  /** `signal` aborts when the scheduler stops (process shutdown): a long run should give up then. */
  run(slot: Date, signal: AbortSignal): Promise<unknown>;
}

export interface JobRun {
  job: string;
  slot: Date;
  holder: string;
  startedAt: Date;
  finishedAt: Date | null;
  status: 'running' | 'succeeded' | 'failed';
  error: string | null;
  /** What the run returned (e.g. a background agent's per-tenant summary), as stored JSON. */
  result: unknown;
}

export interface JobScheduler {
  add(job: ScheduledJob): void;
  start(): Promise<void>;
  /** Stops scheduling, aborts the signal of runs in progress and waits for them. */
  stop(): Promise<void>;
  /** Run one slot now if no replica has claimed it; returns whether this process ran it. */
  runSlot(name: string, slot: Date): Promise<boolean>;
  recentRuns(job?: string, limit?: number): Promise<JobRun[]>;
}

export function slotOf(at: number, everySeconds: number): Date {
  const ms = everySeconds * 1000;
  return new Date(Math.floor(at / ms) * ms);
}

/**
 * Wall-clock schedules that run once across replicas: each slot is claimed by inserting its
 * `(job, slot)` row, so of N processes on one database exactly one runs it. A process that dies
 * mid-run loses that slot (the next slot runs as usual): once, never twice. On the same machine a
 * later start gives back the slots of a holder whose process is gone (a stop cut short before it
 * could release its slot: a first `crm start` stopped mid-retrain still gets its model).
 */
export function createJobScheduler(deps: { db: DatabaseHandle; logger: Logger; holder?: string; now?: () => number; keepDays?: number }): JobScheduler {
  const db = databaseOf(deps.db);
  const logger = deps.logger.child({ component: 'jobs' });
  const holder = deps.holder ?? `${hostname()}:${process.pid}`;
  const now = deps.now ?? Date.now;
  const jobs = new Map<string, ScheduledJob>();
  const timers = new Map<string, NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  let stopped = true;
  // aborted by stop(): runs in progress see it (a retrain, an agent's tool calls) and end early
  let stopping = new AbortController();

  async function claim(job: ScheduledJob, slot: Date): Promise<boolean> {
    const res = await db.asWorker((c) =>
      c.query('INSERT INTO job_runs (job, slot, holder) VALUES ($1, $2, $3) ON CONFLICT (job, slot) DO NOTHING RETURNING job', [job.name, slot, holder]),
    );
    return res.rowCount === 1;
  }

  async function release(job: ScheduledJob, slot: Date): Promise<void> {
    await db.asWorker((c) => c.query(`DELETE FROM job_runs WHERE job = $1 AND slot = $2 AND holder = $3 AND finished_at IS NULL`, [job.name, slot, holder]));
  }

  async function finish(job: ScheduledJob, slot: Date, error: unknown, result: unknown): Promise<void> {
    const summary = result === undefined ? null : JSON.stringify(result).slice(0, 10_000);
    await db.asWorker((c) =>
      c.query(`UPDATE job_runs SET finished_at = now(), status = $3, error = $4, result = $5::jsonb WHERE job = $1 AND slot = $2`, [
        job.name,
        slot,
        error ? 'failed' : 'succeeded',
        error ? String((error as Error).message ?? error).slice(0, 2000) : null,
        summary,
      ]),
    );
  }

  async function runSlot(name: string, slot: Date): Promise<boolean> {
    const job = jobs.get(name);
    if (!job) throw new Error(`unknown job ${name}`);
    if (!(await claim(job, slot))) return false;
    const started = performance.now();
    let error: unknown;
    let result: unknown;
    const signal = stopping.signal;
    try {
      result = await job.run(slot, signal);
    } catch (err) {
      error = err;
      if (!signal.aborted) logger.warn({ err, job: name, slot }, 'scheduled job failed');
    }
    if (signal.aborted) {
      // cut short by a stop: the slot is given back, so the next start (runMissedAtStart) or
      // another replica runs it whole — a first `crm start` stopped mid-retrain still gets its model
      await release(job, slot).catch((err) => logger.warn({ err, job: name }, 'could not release the job slot'));
      logger.info({ job: name, slot }, 'scheduled job stopped by shutdown; its slot runs again');
      return true;
    }
    await finish(job, slot, error, result).catch((err) => logger.warn({ err, job: name }, 'could not record the job run'));
    logger.debug({ job: name, slot, ms: Math.round(performance.now() - started) }, 'scheduled job ran');
    return true;
  }

  function track(p: Promise<unknown>): void {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  function schedule(job: ScheduledJob): void {
    if (stopped) return;
    const period = job.everySeconds * 1000;
    const next = slotOf(now(), job.everySeconds).getTime() + period;
    const timer = setTimeout(() => {
      // a run still going when its next slot comes skips that slot here; another replica may take it
      track(
        runSlot(job.name, new Date(next))
          .catch((err) => logger.warn({ err, job: job.name }, 'could not claim a job slot (database unavailable?)'))
          .finally(() => schedule(job)),
      );
    }, Math.max(0, next - now()));
    timer.unref();
    timers.set(job.name, timer);
  }

  /** Unfinished slots claimed on this machine by a process that no longer exists: given back. */
  async function reclaimOrphans(): Promise<void> {
    const host = `${hostname()}:`;
    const res = await db.asWorker((c) =>
      c.query<{ holder: string }>('SELECT DISTINCT holder FROM job_runs WHERE finished_at IS NULL AND starts_with(holder, $1)', [host]),
    );
    const gone = res.rows.map((r) => r.holder).filter((h) => h !== holder && /^\d+$/.test(h.slice(host.length)) && !processExists(Number(h.slice(host.length))));
    if (!gone.length) return;
    const del = await db.asWorker((c) => c.query('DELETE FROM job_runs WHERE finished_at IS NULL AND holder = ANY($1::text[])', [gone]));
    logger.info({ holders: gone, slots: del.rowCount }, 'gave back job slots claimed by a process of this machine that stopped before finishing them');
  }

  async function prune(): Promise<void> {
    await db.asWorker((c) => c.query(`DELETE FROM job_runs WHERE started_at < now() - make_interval(days => $1)`, [deps.keepDays ?? 14]));
  }

  return {
    add(job) {
      if (!(job.everySeconds > 0)) throw new Error(`job ${job.name}: everySeconds must be positive`);
      if (jobs.has(job.name)) throw new Error(`job ${job.name} is already scheduled`);
      jobs.set(job.name, job);
      if (!stopped) schedule(job);
    },
    async start() {
      stopped = false;
      stopping = new AbortController();
      await prune().catch((err) => logger.warn({ err }, 'could not prune old job runs'));
      await reclaimOrphans().catch((err) => logger.warn({ err }, 'could not give back orphaned job slots'));
      for (const job of jobs.values()) {
        if (job.runMissedAtStart) track(runSlot(job.name, slotOf(now(), job.everySeconds)).catch((err) => logger.warn({ err, job: job.name }, 'job run at start failed')));
        schedule(job);
      }
    },
    async stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      stopping.abort(new Error('the job scheduler is stopping'));
      await Promise.allSettled([...inFlight]);
    },
    runSlot,
    async recentRuns(job, limit = 50) {
      const res = await db.asWorker((c) =>
        c.query<{ job: string; slot: Date; holder: string; started_at: Date; finished_at: Date | null; status: JobRun['status']; error: string | null; result: unknown }>(
          `SELECT job, slot, holder, started_at, finished_at, status, error, result FROM job_runs WHERE ($1::text IS NULL OR job = $1) ORDER BY slot DESC LIMIT $2`,
          [job ?? null, limit],
        ),
      );
      return res.rows.map((r) => ({ job: r.job, slot: r.slot, holder: r.holder, startedAt: r.started_at, finishedAt: r.finished_at, status: r.status, error: r.error, result: r.result ?? null }));
    },
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
