import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';
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
   * Park an execution on a WAIT until `wakeAt`, in the transaction of `client` (the worker's, as
   * `crm_worker`): the execution row and the timer commit together or not at all. False when this
   * worker no longer holds the execution's lease.
   */
  park(client: pg.PoolClient, e: { id: string; workerId: string }, wakeAt: Date): Promise<boolean>;
  /** Resolves when `park` can run without any I/O of its own (pg-boss started); call it before opening the transaction. */
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

const parkSql = (onTimer: boolean) => `UPDATE workflow_executions SET status = 'waiting', wake_at = $2, wait_timer = ${onTimer}, locked_by = NULL, locked_until = NULL
  WHERE id = $1 AND locked_by = $3 RETURNING 1`;

/**
 * WAIT timers in the executions table itself: the park sets `wake_at`, and the worker's SKIP
 * LOCKED claim loop resumes the execution when it is due (`WORKFLOW_WAIT_TIMERS=claim-loop`).
 */
export function createClaimLoopWaitTimers(): WaitTimers {
  return {
    kind: 'claim-loop',
    async park(client, e, wakeAt) {
      return (await client.query(parkSql(false), [e.id, wakeAt, e.workerId])).rowCount === 1;
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
 * for, so an older job of the same execution (a worker killed after sending it, before its park
 * committed) cannot end a later, longer WAIT early.
 */
const FIRE_SQL = `UPDATE workflow_executions e SET wait_timer = false, wake_at = least(e.wake_at, now())
  FROM unnest($1::uuid[], $2::timestamptz[]) AS j(id, due)
  WHERE e.id = j.id AND e.status = 'waiting' AND e.wait_timer AND e.wake_at <= j.due
  RETURNING e.id`;

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
 * fire one job twice. pg-boss itself (its own small pool on the owner URL) installs and migrates
 * its schema and archives and deletes finished jobs; the firing loop is ours so that a job is
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
          if (!inTx) return await client.query(text, values as unknown[]);
          await client.query('BEGIN');
          try {
            const result = await client.query(text, values as unknown[]);
            await client.query('COMMIT');
            return result;
          } catch (err) {
            await client.query('ROLLBACK').catch(() => {});
            throw err;
          }
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

  const loop = () => {
    if (!running) return;
    fireDue()
      .catch((err) => logger.warn({ err }, 'firing WAIT timers failed; will retry'))
      .finally(() => {
        if (running) timer = setTimeout(loop, pollMs);
      });
  };

  return {
    kind: 'pg-boss',
    async ready() {
      await ensure();
    },
    async park(client, e, wakeAt) {
      // started by ready() before the caller's transaction began: starting pg-boss inside it would
      // wait for that transaction on PGlite, whose connections share one session
      const b = await ensure();
      const res = await client.query(parkSql(true), [e.id, wakeAt, e.workerId]);
      if (res.rowCount !== 1) return false;
      await b.send(WAIT_TIMER_QUEUE, { executionId: e.id, due: wakeAt.toISOString() }, { startAfter: wakeAt, retryLimit: 0, db: onClient(client) });
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
      await firing?.catch(() => 0);
      const b = await ready?.catch(() => undefined);
      ready = undefined;
      await b?.stop({ graceful: false, wait: true, close: true }).catch((err: Error) => logger.warn({ err }, 'pg-boss stop failed'));
    },
  };
}
