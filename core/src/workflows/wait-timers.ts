import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';
import type { ReadParam } from '../db/database.ts';
import { queryInOwnTransaction } from '../db/own-transaction.ts';
import type { Logger } from '../logger.ts';
import { EXECUTIONS_QUEUED } from './workflow.service.ts';

/** The pg-boss queue holding one job per parked WAIT: due at the WAIT's deadline. */
export const WAIT_TIMER_QUEUE = 'workflow-wait';
/** The schema pg-boss installs and migrates its tables into. */
export const WAIT_TIMER_SCHEMA = 'pgboss';

/** How WAIT steps are timed: `pg-boss` (a job per WAIT in pg-boss's queue) or `claim-loop` (the executions table's own `wake_at`). */
export type WaitTimerKind = 'pg-boss' | 'claim-loop';

export interface WaitTimers {
  kind: WaitTimerKind;
  /**
   * Park an execution on a WAIT until `wakeAt`, in one transaction as `crm_worker`: the execution
   * row and the timer commit together or not at all. False when this worker no longer holds the
   * execution's lease.
   */
  park(e: { id: string; workerId: string }, wakeAt: Date): Promise<boolean>;
  /** Resolves once pg-boss has started (and installed its schema); `park` and `fireDue` wait for it themselves. */
  ready(): Promise<void>;
  /** Fire due timers every `pollMs` from now on (pg-boss starts, and installs its schema on first use, in the first round). */
  start(): Promise<void>;
  /** Fire the timers due now once; resolves with how many executions became due. */
  fireDue(): Promise<number>;
  stop(): Promise<void>;
}

export interface WaitTimerOptions {
  logger: Logger;
  /** How often due timers are looked for (default 500 ms; pg-boss's own workers poll at ≥ 500 ms too). */
  pollMs?: number;
  /** Timers fired per transaction (default 200). */
  batchSize?: number;
}

/** Deadlines remembered for on-time firing (beyond them, the poll fires the timers). */
const MAX_UPCOMING = 10_000;

const parkSql = (onTimer: boolean) => `UPDATE workflow_executions SET status = 'waiting', wake_at = $2, wait_timer = ${onTimer}, locked_by = NULL, locked_until = NULL
  WHERE id = $1 AND locked_by = $3 RETURNING 1`;

/**
 * WAIT timers in the executions table itself: the park sets `wake_at`, and the worker's SKIP
 * LOCKED claim loop resumes the execution when it is due (`WORKFLOW_WAIT_TIMERS=claim-loop`).
 */
export function createClaimLoopWaitTimers(handle: DatabaseHandle): WaitTimers {
  const db = databaseOf(handle);
  return {
    kind: 'claim-loop',
    async park(e, wakeAt) {
      const [rows] = await db.writeAsWorker([{ sql: parkSql(false), params: [e.id, wakeAt, e.workerId] }]);
      return rows.length === 1;
    },
    async ready() {},
    async start() {},
    async fireDue() {
      return 0;
    },
    async stop() {},
  };
}

/**
 * Makes executions whose WAIT is due claimable again. A job's `due` is the deadline it was sent
 * for, so an older job of the same execution (sent by a worker whose park found the lease lost, or
 * left from an earlier WAIT) cannot end a later, longer WAIT early.
 */
const FIRE_SQL = `UPDATE workflow_executions e SET wait_timer = false, wake_at = least(e.wake_at, now())
  FROM unnest($1::uuid[], $2::timestamptz[]) AS j(id, due)
  WHERE e.id = j.id AND e.status = 'waiting' AND e.wait_timer AND e.wake_at <= j.due
  RETURNING e.id`;

/** A pg-boss statement parameter as one our statement batches can inline (its job data is an object). */
function asParam(v: unknown): ReadParam {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  return JSON.stringify(v);
}

/** pg-boss runs its statements through this when they must join our transaction (its documented `db` option). */
const onClient = (client: pg.PoolClient): PgBoss.Db => ({
  executeSql: async (text: string, values: unknown[]) => client.query(text, values as unknown[]),
});

/**
 * WAIT timers on pg-boss 10: parking an execution sends a job due at the WAIT's deadline in the
 * same transaction that marks the execution `waiting` with `wait_timer` (the claim loop skips such
 * rows); firing fetches due jobs (pg-boss's SKIP LOCKED fetch), makes their executions claimable
 * and completes the jobs, again in one transaction — so a crash or a database outage at any point
 * leaves either the timer or the runnable execution, never neither, and several workers never
 * fire one job twice. pg-boss itself (on the database's owner pool) installs and migrates its
 * schema and archives and deletes finished jobs; the firing loop is ours so that a job is
 * completed in the transaction that applies it (pg-boss's `work()` completes in a separate one and
 * gives up after its retry limit, which would strand the execution during a long outage).
 */
export function createPgBossWaitTimers(handle: DatabaseHandle, options: WaitTimerOptions): WaitTimers {
  const db = databaseOf(handle);
  const logger = options.logger.child({ component: 'wait-timers' });
  const pollMs = options.pollMs ?? 500;
  const batchSize = options.batchSize ?? 200;
  let ready: Promise<PgBoss> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let firing: Promise<number> | undefined;

  async function open(): Promise<PgBoss> {
    const { default: PgBossCtor } = await import('pg-boss');
    // pg-boss runs on the database's owner pool (no pool of its own). On PGlite all connections
    // share one session and pglite-socket keeps a connection's Parse/Bind/Execute messages together
    // only inside a transaction, so a parameterised statement gets one of its own there (as the
    // checkpointer's reads do); pg-boss's parameterless scripts are one simple-protocol message.
    const wrap = db.kind === 'pglite';
    const ownerDb: PgBoss.Db = {
      async executeSql(text: string, values: unknown[]) {
        const client = await db.connect();
        let broken: Error | undefined;
        const inTx = wrap && values?.length > 0;
        try {
          return inTx ? await queryInOwnTransaction(client, text, values) : await client.query(text, values as unknown[]);
        } catch (err) {
          // a statement's error leaves the connection usable; a lost connection is dropped
          if (!(err as { code?: string }).code) broken = err as Error;
          throw err;
        } finally {
          client.release(broken);
        }
      },
    };
    const b = new PgBossCtor({
      db: ownerDb,
      schema: WAIT_TIMER_SCHEMA,
      // cron schedules are the workflow engine's own (claimed slots); pg-boss only keeps the timers
      schedule: false,
      // finished jobs are archived after an hour and deleted after a week (pg-boss's maintenance)
      archiveCompletedAfterSeconds: 3600,
      deleteAfterDays: 7,
      // a WAIT may last months: a job is kept a year past its due time before pg-boss expires it
      retentionDays: 365,
    });
    b.on('error', (err: Error) => logger.warn({ err }, 'pg-boss error'));
    await b.start();
    // idempotent: the queue and the worker role's rights on pg-boss's tables (it sends and fetches
    // jobs inside the worker's own transactions)
    if (!(await b.getQueue(WAIT_TIMER_QUEUE))) await b.createQueue(WAIT_TIMER_QUEUE, { name: WAIT_TIMER_QUEUE, policy: 'standard' });
    await b.getDb().executeSql(
      `GRANT USAGE ON SCHEMA ${WAIT_TIMER_SCHEMA} TO crm_worker;
       GRANT SELECT, INSERT, UPDATE ON ${WAIT_TIMER_SCHEMA}.job TO crm_worker;
       GRANT SELECT ON ${WAIT_TIMER_SCHEMA}.queue TO crm_worker`,
      [],
    );
    return b;
  }
  const ensure = () => {
    ready ??= open().catch((err) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };

  async function fireOnce(): Promise<number> {
    const b = await ensure();
    let woken = 0;
    for (;;) {
      const { jobs, fired } = await db.asWorker(async (client) => {
        const conn = onClient(client);
        const fetched = ((await b.fetch<{ executionId: string; due: string }>(WAIT_TIMER_QUEUE, { batchSize, db: conn })) ?? []) as PgBoss.Job<{ executionId: string; due: string }>[];
        if (!fetched.length) return { jobs: 0, fired: 0 };
        const res = await client.query(FIRE_SQL, [fetched.map((j) => j.data.executionId), fetched.map((j) => j.data.due)]);
        // pg-boss 10's typings lack the (name, ids, data, options) form its code takes: the options
        // (our transaction) must be the fourth argument, or it completes on its own connection
        await (b.complete as unknown as (name: string, ids: string[], data: null, options: { db: PgBoss.Db }) => Promise<unknown>)(
          WAIT_TIMER_QUEUE,
          fetched.map((j) => j.id),
          null,
          { db: conn },
        );
        return { jobs: fetched.length, fired: res.rowCount ?? 0 };
      });
      woken += fired;
      if (jobs < batchSize) break;
    }
    if (woken) db.events.emit(EXECUTIONS_QUEUED);
    return woken;
  }
  const fireDue = (): Promise<number> => {
    firing ??= fireOnce().finally(() => {
      firing = undefined;
    });
    return firing;
  };
  /** A round whose failure is logged, not thrown: the poll and the next on-time timer retry it. */
  const fireSafely = (): Promise<unknown> => fireDue().catch((err) => logger.warn({ err }, 'firing WAIT timers failed; will retry'));

  // Deadlines of the timers this process parked, ascending: a timer set for the earliest fires it
  // on time instead of at the next poll (timers parked by other processes wait for the poll).
  const upcoming: number[] = [];
  let precise: NodeJS.Timeout | undefined;
  let preciseAt = Infinity;
  const remember = (at: number) => {
    if (upcoming.length >= MAX_UPCOMING && at >= upcoming[upcoming.length - 1]) return;
    let lo = 0;
    let hi = upcoming.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (upcoming[mid] < at) lo = mid + 1;
      else hi = mid;
    }
    upcoming.splice(lo, 0, at);
    if (upcoming.length > MAX_UPCOMING) upcoming.pop();
    arm();
  };
  function arm() {
    if (!running || !upcoming.length) return;
    const at = upcoming[0];
    if (precise && preciseAt <= at) return;
    if (precise) clearTimeout(precise);
    preciseAt = at;
    // a little after the deadline (the database's clock decides when the job is due); at most an hour ahead
    precise = setTimeout(() => {
      precise = undefined;
      preciseAt = Infinity;
      const now = Date.now();
      while (upcoming.length && upcoming[0] <= now) upcoming.shift();
      // a round already under way may have fetched before this deadline: fire again after it
      void (firing ?? Promise.resolve(0))
        .catch(() => 0)
        .then(() => (running ? fireSafely() : 0))
        .finally(arm);
    }, Math.min(Math.max(0, at - Date.now() + 15), 3_600_000));
  }

  const loop = () => {
    if (!running) return;
    void fireSafely().finally(() => {
      if (running) timer = setTimeout(loop, pollMs);
    });
  };

  return {
    kind: 'pg-boss',
    async ready() {
      await ensure();
    },
    async park(e, wakeAt) {
      const b = await ensure();
      // pg-boss's own insert statement for this job, captured (its documented \`db\` option) and sent
      // with the park in one round trip and one transaction. The job goes in even when the park
      // finds the lease lost: the worker now holding the execution parks it on the same WAIT with
      // the same deadline, which is all a job can wake (see FIRE_SQL).
      let insert: { text: string; values: unknown[] } | undefined;
      const capture: PgBoss.Db = {
        executeSql: async (text: string, values: unknown[]) => {
          insert = { text, values };
          return { rows: [{ id: null }] };
        },
      };
      await b.send(WAIT_TIMER_QUEUE, { executionId: e.id, due: wakeAt.toISOString() }, { startAfter: wakeAt, retryLimit: 0, db: capture });
      if (!insert) throw new Error('pg-boss sent no insert statement');
      const [parked] = await db.writeAsWorker([
        { sql: parkSql(true), params: [e.id, wakeAt, e.workerId] },
        { sql: insert.text, params: insert.values.map(asParam) },
      ]);
      if (parked.length !== 1) return false;
      remember(wakeAt.getTime());
      return true;
    },
    async start() {
      // not awaited: pg-boss starts (and on first use installs its schema) in the first round, and
      // a database that is down now only delays the timers — the loop retries every pollMs
      if (running) return;
      running = true;
      loop();
    },
    fireDue,
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      if (precise) clearTimeout(precise);
      precise = undefined;
      preciseAt = Infinity;
      upcoming.length = 0;
      await firing?.catch(() => 0);
      const b = await ready?.catch(() => undefined);
      ready = undefined;
      await b?.stop({ graceful: false, wait: true, close: true }).catch((err: Error) => logger.warn({ err }, 'pg-boss stop failed'));
    },
  };
}
