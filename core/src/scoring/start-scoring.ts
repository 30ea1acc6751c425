/**
 * The long-running side of lead scoring, started by `crm start`: rescore on `contact.created` and
 * `interaction.logged`, and retrain every tenant on a schedule (a new model is activated only when
 * it beats the active one on held-out outcomes, and the tenant is then rescored).
 */
import { databaseOf } from '../db/database.ts';
import type { CrmCore } from '../crm-core.ts';

export const SCORING_CONSUMER = 'lead-scoring';
export const SCORING_EVENT_TYPES = ['contact.created', 'interaction.logged'];

export interface RunningScoring {
  /** Retrain every tenant now (what the schedule runs); `signal` (the scheduler stopping) ends it early. */
  retrainAll(signal?: AbortSignal): Promise<{ tenantId: string; status: string; reason: string }[]>;
  stop(): void;
}

/** Subscribe before `core.outbox.start()`: events dispatched while nobody listens are not redelivered. */
export function startScoring(core: CrmCore, options: { retrainHours?: number; initialDelayMs?: number } = {}): RunningScoring {
  const logger = core.logger.child({ component: 'scoring-jobs' });
  const unsubscribe = core.outbox.subscribe({
    consumer: SCORING_CONSUMER,
    types: SCORING_EVENT_TYPES,
    handler: (event) => core.scoring.handleEvent(event),
    handleBatch: (events, { signal }) => core.scoring.handleEvents(events, signal),
  });
  let running: Promise<unknown> | undefined;
  const retrainAll = async (signal?: AbortSignal) => {
    const tenants = await databaseOf(core.db).asWorker(async (c) => (await c.query<{ id: string }>('SELECT id FROM tenants ORDER BY created_at')).rows);
    const results: { tenantId: string; status: string; reason: string }[] = [];
    for (const { id } of tenants) {
      if (signal?.aborted) break;
      try {
        const r = await core.scoring.retrain(await core.users.systemActor(id, { via: 'job:scoring.retrain' }), signal ? { signal } : {});
        results.push({ tenantId: id, status: r.status, reason: r.reason });
        logger.info({ tenantId: id, status: r.status, version: r.model?.version, reason: r.reason }, 'scheduled lead-scoring retrain');
      } catch (err) {
        results.push({ tenantId: id, status: 'failed', reason: (err as Error).message });
        logger.warn({ err, tenantId: id }, 'scheduled lead-scoring retrain failed');
      }
    }
    return results;
  };
  const hours = options.retrainHours ?? core.scoring.config.retrainHours;
  const tick = () => {
    // a database outage during the scheduled pass is logged and retried at the next tick, never an unhandled rejection
    running ??= retrainAll()
      .catch((err: Error) => logger.warn({ reason: err.message }, 'scheduled lead-scoring retrain skipped; will retry at the next tick'))
      .finally(() => (running = undefined));
  };
  // A first pass soon after start gives a freshly seeded tenant its model; later passes are
  // cheap when nothing new was closed (the active model stays, nothing is trained).
  const first = hours > 0 ? setTimeout(tick, options.initialDelayMs ?? 10_000) : undefined;
  const timer = hours > 0 ? setInterval(tick, hours * 3_600_000) : undefined;
  first?.unref();
  timer?.unref();
  return {
    retrainAll,
    stop() {
      unsubscribe();
      if (first) clearTimeout(first);
      if (timer) clearInterval(timer);
    },
  };
}
