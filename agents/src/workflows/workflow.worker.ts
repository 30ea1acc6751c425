import { randomUUID } from 'node:crypto';
import { Command, type BaseCheckpointSaver, type LangGraphRunnableConfig } from '@langchain/langgraph';
import {
  createApprovalService,
  createClaimLoopWaitTimers,
  createExecutionStore,
  createPgBossWaitTimers,
  EXECUTIONS_QUEUED,
  subscribeOutboxWake,
  type Actor,
  type ApprovalService,
  type ClaimedExecution,
  type Database,
  type Logger,
  type WaitTimerKind,
  type WaitTimers,
} from '@crm/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { FRESH_THREAD } from './batched-checkpoint.saver.ts';
import { installLeanRunContext } from './lean-run-context.ts';
import type { StepEffectsDeps } from './step-effects.ts';
import { StepFailedError, compileWorkflow, type CompiledWorkflow, type RunContext } from './workflow.graph.ts';
import type { WorkflowTriggers } from '@crm/core';

export interface WorkflowWorkerDeps extends Omit<StepEffectsDeps, 'store' | 'approvals'> {
  db: Database;
  /** The approval queue of `requiresApproval` steps (default: one over `db` with the default expiry). */
  approvals?: ApprovalService;
  checkpointer: BaseCheckpointSaver;
  logger: Logger;
  workerId?: string;
  /** Executions run at once by this worker. */
  concurrency?: number;
  leaseMs?: number;
  pollMs?: number;
  /** When given, cron schedules are checked on this interval (safe on every replica: slots are claimed). */
  triggers?: WorkflowTriggers;
  /**
   * Who the effects act as. Default: the workflow's owner. The runtime passes the tenant's system
   * actor on behalf of the owner once that exists, so the audit log says a workflow acted.
   */
  effectActor?: (e: ClaimedExecution) => Actor | Promise<Actor>;
  scheduleEveryMs?: number;
  /**
   * Where WAIT steps keep their timers (`WORKFLOW_WAIT_TIMERS`): `pg-boss` (default; a pg-boss job per
   * WAIT, fired by this worker every `pollMs`), `claim-loop` (the execution's `wake_at`), or timers
   * the caller owns.
   */
  waitTimers?: WaitTimerKind | WaitTimers;
}

export interface WorkflowWorker {
  name: string;
  workerId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Claim and run due executions until none is due; resolves with how many runs were made. */
  runDue(): Promise<number>;
}

type Outcome = 'completed' | 'failed' | 'waiting' | 'lost' | 'retry';

/**
 * Steps some finished step routed to that never ran. In a complete run every routed target runs
 * (skipped steps route on, AI branches and error gotos record the one route they took), so a
 * non-empty answer means the run stopped early.
 */
export function unvisitedTargets(state: { routes?: Record<string, string[]>; path?: string[] }): string[] {
  const visited = new Set(state.path ?? []);
  const missing = new Set<string>();
  for (const targets of Object.values(state.routes ?? {})) for (const t of targets) if (!visited.has(t)) missing.add(t);
  return [...missing];
}

/**
 * Runs queued executions: claims a lease (SKIP LOCKED), resumes the execution's LangGraph thread
 * from its last checkpoint (or starts it), and records how it ended. A WAIT parks the execution
 * with its deadline as `wake_at`, so any worker resumes it after a restart.
 */
/** Pause after an empty claim before the next one (see pump); bounds wasted claims to ~40/s under a stream of commits. */
const EMPTY_CLAIM_GAP_MS = 25;

export function createWorkflowWorker(deps: WorkflowWorkerDeps): WorkflowWorker {
  // LangChain's per-node RunTree is pure overhead with tracing off (see lean-run-context.ts)
  installLeanRunContext();
  const store = createExecutionStore(deps.db);
  const approvals = deps.approvals ?? createApprovalService(deps.db);
  const effects: StepEffectsDeps = { ...deps, store, approvals };
  const workerId = deps.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  const leaseMs = deps.leaseMs ?? 30_000;
  const concurrency = deps.concurrency ?? 4;
  const logger = deps.logger.child({ component: 'workflow-worker', workerId });
  const ownTimers = typeof deps.waitTimers !== 'object';
  const timers: WaitTimers =
    typeof deps.waitTimers === 'object'
      ? deps.waitTimers
      : deps.waitTimers === 'claim-loop'
        ? createClaimLoopWaitTimers(deps.db)
        : createPgBossWaitTimers(deps.db, { logger, pollMs: deps.pollMs });
  const graphs = new Map<string, CompiledWorkflow>();
  const active = new Set<Promise<Outcome>>();
  const running = new Set<string>();
  /** Cut the runs in progress short (stop): each ends at once and goes back to pending for the next worker. */
  const cutShort = new Set<() => void>();
  const STOPPING = 'the workflow worker is stopping';
  let stopped = true;
  let scheduleTimer: NodeJS.Timeout | undefined;
  let unsubscribeWake: (() => Promise<void>) | undefined;
  let pumping: Promise<number> | undefined;
  let again = false;
  /** A wake-up arrived since the last claim. */
  let dirty = false;
  /** Resolves the loop's wait for a free slot (set while it waits). */
  let signal: (() => void) | undefined;
  /** When the last claim came back empty (performance.now()); 0 after one that found work. */
  let lastEmptyClaim = 0;
  /** Ends the loop's pause after an empty claim (set while it pauses). */
  let cutGap: (() => void) | undefined;

  function graphFor(e: ClaimedExecution): CompiledWorkflow {
    const key = `${e.workflowId}@${e.version}`;
    let g = graphs.get(key);
    if (!g) graphs.set(key, (g = compileWorkflow(e.definition, effects, deps.checkpointer, key)));
    return g;
  }

  async function runExecution(e: ClaimedExecution): Promise<Outcome> {
    const graph = graphFor(e);
    const actor: Actor = deps.effectActor ? await deps.effectActor(e) : { tenantId: e.tenantId, userId: e.owner.userId, role: e.owner.role };
    let client: Client | undefined;
    const run: RunContext = { execution: e, actor, client: async () => (client ??= await deps.mcp(actor)) };
    const abort = new AbortController();
    const cut = () => abort.abort(new Error(STOPPING));
    cutShort.add(cut);
    // durability 'sync': a step's checkpoint is written before the next step starts, so a kill
    // between steps never re-runs a finished one (effects are still keyed, for kills inside a step)
    const config = { configurable: { thread_id: e.id, run }, recursionLimit: 500, signal: abort.signal, durability: 'sync' } as LangGraphRunnableConfig;
    const beat = setInterval(() => {
      void store.heartbeat(e.id, workerId, leaseMs).then((ok) => ok || abort.abort(new Error('lease lost')), () => {});
    }, leaseMs / 3);
    const finish = (outcome: Parameters<typeof store.finish>[2]) =>
      store.finish({ tenantId: e.tenantId, id: e.id, workflowId: e.workflowId, ownerId: e.owner.userId }, workerId, outcome);
    const waitingOn = (state: Awaited<ReturnType<CompiledWorkflow['getState']>>) =>
      state.tasks.flatMap((t) => t.interrupts).map((i) => i.value as { approvalId?: string } | undefined).find((v) => v?.approvalId)?.approvalId;
    /** Park on a pending approval until it expires (deciding or expiring it wakes the execution); false when it is decided. */
    const parkOnApproval = async (approvalId: string): Promise<boolean> => {
      let a = await store.approvalStatus(e.tenantId, approvalId);
      if (a.status === 'pending' && a.expiresAt <= new Date()) {
        await approvals.expireDue(new Date(), e.tenantId);
        a = await store.approvalStatus(e.tenantId, approvalId);
      }
      if (a.status !== 'pending') return false;
      await store.sleepUntil(e.tenantId, e.id, workerId, a.expiresAt);
      // decided while we parked it: its wake-up found the execution still running, so wake it here
      if ((await store.approvalStatus(e.tenantId, approvalId)).status !== 'pending') await store.wake(e.tenantId, e.id);
      return true;
    };
    try {
      let after: Awaited<ReturnType<CompiledWorkflow['getState']>> | undefined;
      if (e.runs === 1) {
        // the first claim of an execution: no worker has run it, so it has no checkpoint to read
        const out = await graph.invoke({}, { ...config, configurable: { ...config.configurable, [FRESH_THREAD]: true } });
        // a run that returned without an interrupt ran until no step was left: its output is the
        // state its last checkpoint holds (already written: durability 'sync'), so no read back
        if (out && typeof out === 'object' && !('__interrupt__' in out) && Array.isArray(out.path)) after = { values: out, next: [], tasks: [] };
      } else {
        const before = await graph.getState(config);
        const onApproval = waitingOn(before);
        if (onApproval && (await parkOnApproval(onApproval))) return 'waiting';
        const interrupted = before.tasks.some((t) => t.interrupts.length > 0);
        const started = before.next.length > 0 || (before.values.path?.length ?? 0) > 0;
        if (interrupted) await graph.invoke(new Command({ resume: 'due' }), config);
        else if (before.next.length > 0) await graph.invoke(null, config);
        else if (!started) await graph.invoke({}, config);
      }
      after ??= await graph.getState(config);
      const approvalId = waitingOn(after);
      if (approvalId) {
        // decided in the meantime: resume at once; else parked until decided or expired
        if (!(await parkOnApproval(approvalId))) await store.sleepUntil(e.tenantId, e.id, workerId, new Date());
        return 'waiting';
      }
      const wait = after.tasks.flatMap((t) => t.interrupts).map((i) => i.value as { waitUntil?: string })[0];
      if (wait?.waitUntil) {
        await store.parkOnWait(e.id, workerId, new Date(wait.waitUntil), timers);
        return 'waiting';
      }
      if (after.next.length > 0) {
        // the run stopped with steps still to go and no wait: never call that completed; resume it shortly
        logger.warn({ executionId: e.id, next: after.next }, 'execution stopped early; will resume');
        await store.sleepUntil(e.tenantId, e.id, workerId, new Date(Date.now() + 1000), 'pending');
        return 'retry';
      }
      const missing = unvisitedTargets(after.values);
      if (missing.length) {
        // A run resumed after a kill can come back "done" with a step it routed to never run (seen
        // once in ~20 kill trials on PostgreSQL). Never call that completed: replay the thread from
        // the start — every effect is keyed by execution + step, so the finished ones return their
        // recorded results and only the missing steps act (a WAIT on the way waits again).
        if (e.runs > 20) throw new StepFailedError(missing[0], 'the run keeps ending before this step; giving up after 20 resumptions');
        logger.error({ executionId: e.id, missing, path: after.values.path }, 'execution ended before steps it routed to; replaying it');
        await deps.checkpointer.deleteThread(e.id);
        await store.sleepUntil(e.tenantId, e.id, workerId, new Date(), 'pending');
        return 'retry';
      }
      const ok = await finish({ status: 'completed', output: { path: after.values.path, steps: after.values.outputs } });
      if (ok) await deps.checkpointer.deleteThread(e.id).catch(() => {});
      return ok ? 'completed' : 'lost';
    } catch (err) {
      if (abort.signal.aborted && (abort.signal.reason as Error | undefined)?.message === STOPPING) {
        // as after a kill inside a step: the next worker resumes from the last checkpoint (effects are keyed); hand it back now, not after the lease
        await store.sleepUntil(e.tenantId, e.id, workerId, new Date(), 'pending').catch(() => {});
        logger.info({ executionId: e.id }, 'execution paused by shutdown; the next worker resumes it');
        return 'retry';
      }
      if (abort.signal.aborted) return 'lost';
      if (err instanceof StepFailedError) {
        await finish({ status: 'failed', error: err.message, failedStep: err.stepId });
        await notifyOwner(e, err).catch((notifyErr) => logger.warn({ err: notifyErr, executionId: e.id }, 'failure notification failed'));
        return 'failed';
      }
      // infrastructure trouble (database, MCP transport): resume from the checkpoint a bit later
      logger.warn({ err, executionId: e.id }, 'execution interrupted; will resume');
      await store.sleepUntil(e.tenantId, e.id, workerId, new Date(Date.now() + 5000), 'pending').catch(() => {});
      return 'retry';
    } finally {
      cutShort.delete(cut);
      clearInterval(beat);
      await client?.close().catch(() => {});
    }
  }

  /** The design document's escalation: the owner learns which step failed and why. */
  async function notifyOwner(e: ClaimedExecution, err: StepFailedError) {
    await deps.mail.send({
      tenantId: e.tenantId,
      idempotencyKey: `${e.id}:failure-notice`,
      from: deps.mailFrom,
      to: e.owner.email,
      subject: `Workflow "${e.definition.name}" failed at step "${err.stepId}"`,
      body: `Execution ${e.id} of workflow "${e.definition.name}" (version ${e.version}) failed.\n\n${err.message}\n\nInspect it with get_execution or \`crm workflow execution ${e.id}\`.`,
      workflowId: e.workflowId,
      executionId: e.id,
    });
  }

  /**
   * The claim loop: keeps up to `concurrency` executions running and claims the moment a slot
   * frees or a wake-up arrives (a commit in this process, a NOTIFY from another; within
   * EMPTY_CLAIM_GAP_MS of an empty claim, once that has passed), so a new execution never waits
   * for a run in progress to end or for the poll timer.
   */
  async function pump(): Promise<number> {
    let runs = 0;
    while (!stopped) {
      const free = concurrency - active.size;
      if (free > 0) {
        // Every outbox commit wakes the worker, and most start no execution: after a claim that found
        // nothing, the next one waits out EMPTY_CLAIM_GAP_MS, so a burst of commits costs one claim
        // instead of one each (a claim that found work is followed at once).
        const gap = lastEmptyClaim + EMPTY_CLAIM_GAP_MS - performance.now();
        if (gap > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, gap);
            cutGap = () => (clearTimeout(timer), resolve());
          });
          cutGap = undefined;
          if (stopped) break;
        }
        dirty = false;
        // never the executions this worker is running now (a late heartbeat must not make it run one twice)
        const claimed = await store.claim(workerId, { limit: free, leaseMs, exclude: [...running] });
        lastEmptyClaim = claimed.length ? 0 : performance.now();
        for (const e of claimed) {
          runs++;
          running.add(e.id);
          const p: Promise<Outcome> = runExecution(e).finally(() => {
            active.delete(p);
            running.delete(e.id);
          });
          active.add(p);
        }
        if (claimed.length === free || dirty) continue;
        if (!active.size) return runs;
      }
      // wait for a free slot or a wake-up, whichever comes first
      await new Promise<void>((resolve) => {
        signal = resolve;
        for (const p of active) void p.then(() => resolve(), () => resolve());
      });
      signal = undefined;
    }
    return runs;
  }

  function kick(): Promise<number> {
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      let total = 0;
      do {
        again = false;
        try {
          total += await pump();
        } catch (err) {
          logger.error({ err }, 'workflow worker loop failed');
        }
      } while (again && !stopped);
      return total;
    })().finally(() => {
      pumping = undefined;
    });
    return pumping;
  }
  /** Something may be due: the running loop looks again at once (or a new loop starts). */
  const wake = () => {
    dirty = true;
    signal?.();
    if (!stopped) void kick();
  };
  /** Executions were queued in this process: claim without the pause after an empty claim. */
  const wakeNow = () => {
    lastEmptyClaim = 0;
    cutGap?.();
    wake();
  };

  return {
    name: 'workflow-worker',
    workerId,
    async start() {
      if (!stopped) return;
      stopped = false;
      // WAITs that came due while no worker ran fire first (pg-boss: installs its schema on first use)
      await timers.start();
      deps.db.events.on(EXECUTIONS_QUEUED, wakeNow);
      // the runtime's one LISTEN-or-poll wake loop (shared LISTEN connection, reconnects with
      // backoff after an outage, in-process commit signal, poll every pollMs as the fallback)
      unsubscribeWake = subscribeOutboxWake(deps.db, logger, wake, deps.pollMs ?? 500);
      if (deps.triggers) {
        const triggers = deps.triggers;
        scheduleTimer = setInterval(() => void triggers.runSchedules(new Date()).catch((err) => logger.warn({ err }, 'schedules failed')), deps.scheduleEveryMs ?? 30_000);
        scheduleTimer.unref();
      }
      wake();
    },
    async runDue() {
      await pumping;
      const wasStopped = stopped;
      stopped = false;
      try {
        await timers.fireDue();
        return await pump();
      } finally {
        stopped = wasStopped;
      }
    },
    async stop() {
      stopped = true;
      signal?.();
      cutGap?.();
      // the runs in progress stop where they are (a long AI step or webhook would otherwise hold the shutdown)
      for (const cut of cutShort) cut();
      deps.db.events.off(EXECUTIONS_QUEUED, wakeNow);
      await unsubscribeWake?.();
      unsubscribeWake = undefined;
      if (scheduleTimer) clearInterval(scheduleTimer);
      await pumping?.catch(() => 0);
      await Promise.allSettled([...active]);
      if (ownTimers) await timers.stop();
    },
  };
}
